import { parseDigest, type Digest } from '../oci/digest.ts';

/**
 * The only place storage paths are built. Callers pass parsed values (a
 * validated Digest, an upload id Berth generated), so nothing a client sends
 * reaches a path unchecked.
 *
 *   <root>/
 *     blobs/<algorithm>/<first two hex>/<encoded>/data   content-addressed bytes
 *     uploads/<upload uuid>/<segment>                     one object per received chunk
 *     health/<process uuid>                               the health check's probe, deleted after each check
 */
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const SEGMENT = /^[0-9]{6}-[0-9a-f]{16}$/;

export const UPLOADS_ROOT = 'uploads';

export const BLOBS_ROOT = 'blobs';

export function blobPath(digest: Digest): string {
  return `${blobDir(digest)}/data`;
}

/** The directory holding a blob's bytes: deleting it leaves nothing of the blob behind, on filesystems either. */
export function blobDir(digest: Digest): string {
  return `${BLOBS_ROOT}/${digest.algorithm}/${digest.encoded.slice(0, 2)}/${digest.encoded}`;
}

/** The digest a listed blob directory (blobs/<algorithm>/<xx>/<encoded>) stands for, or undefined for anything else. */
export function digestOfBlobDir(path: string): Digest | undefined {
  const [root, algorithm, prefix, encoded, ...rest] = path.split('/');
  if (root !== BLOBS_ROOT || rest.length > 0 || !encoded || prefix !== encoded.slice(0, 2)) return undefined;
  return parseDigest(`${algorithm}:${encoded}`);
}

/** The object a process writes, reads back and deletes to check storage health; `processId` is a UUID it chose. */
export function healthProbePath(processId: string): string {
  if (!UUID.test(processId)) throw new Error(`not a process id: ${processId}`);
  return `health/${processId}`;
}

export function isUploadId(id: string): boolean {
  return UUID.test(id);
}

export function uploadDir(uploadId: string): string {
  if (!isUploadId(uploadId)) throw new Error(`not an upload id: ${uploadId}`);
  return `${UPLOADS_ROOT}/${uploadId}`;
}

export function uploadSegmentPath(uploadId: string, segment: string): string {
  if (!SEGMENT.test(segment)) throw new Error(`not a segment name: ${segment}`);
  return `${uploadDir(uploadId)}/${segment}`;
}
