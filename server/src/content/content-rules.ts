import { BerthError } from '../errors.ts';
import { parseDigest, type Digest } from '../oci/digest.ts';
import { isValidRepositoryName } from '../oci/names.ts';

/** Rules of the registry's configuration that hold for every change, whichever API (/v2 or /api/v2.0) it comes through. */
export interface ContentOptions {
  /** storage_service.delete.enabled: false refuses every /v2 DELETE and every artifact delete, through either API. */
  deleteEnabled: boolean;
  /** How long an upload body may send nothing before it is ended (0: never), so stalled clients free their connection. */
  uploadIdleTimeoutMs: number;
}

/**
 * The one check behind storage_service.delete.enabled, made in content/ so an
 * artifact delete is refused alike through /v2 and Harbor's API.
 */
export function requireDeletesEnabled(options: ContentOptions): void {
  if (!options.deleteEnabled) throw new BerthError('UNSUPPORTED', 'deletes are disabled on this registry');
}

export function requireName(name: string): void {
  if (!isValidRepositoryName(name)) throw new BerthError('NAME_INVALID', `invalid repository name ${JSON.stringify(name)}`);
}

export function requireDigest(value: string): Digest {
  const digest = parseDigest(value);
  if (!digest) throw new BerthError('DIGEST_INVALID', `invalid or unsupported digest ${JSON.stringify(value)}`);
  return digest;
}

export function manifestUnknown(reference: string): BerthError {
  return new BerthError('MANIFEST_UNKNOWN', 'manifest unknown to registry', { detail: { reference } });
}

/**
 * Who makes a change to content (a user or robot name; Berth's own jobs name
 * themselves), and in what words if more needs saying: every content write
 * appends its event with it, in the transaction that makes the change.
 */
export interface ContentChange {
  operator: string;
  description?: string;
}
