import { parseDigest } from './digest.ts';
import { unstorableTextIn } from '../db/storable-text.ts';
import { baseMediaType, IMAGE_MANIFEST_TYPES, INDEX_TYPES, isNonDistributable, MANIFEST_TYPES, MediaType } from './media-types.ts';

export interface Descriptor {
  mediaType: string;
  digest: string;
  size: number;
  artifactType?: string;
  annotations?: Record<string, string>;
  urls?: string[];
}

export interface ParsedManifest {
  kind: 'image' | 'index';
  mediaType: string;
  /** Blobs that must be present in the repository: config and distributable layers. */
  blobs: Descriptor[];
  /** Manifests that must be present in the repository (an index's children). */
  children: Descriptor[];
  /** An image manifest's config and layers (every layer, foreign ones included). */
  config?: Descriptor;
  layers: Descriptor[];
  subject?: Descriptor;
  /** What the referrers API reports: artifactType, else (image manifests) the config's media type. */
  artifactType?: string;
  annotations?: Record<string, string>;
}

export class ManifestError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ManifestError';
  }
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function stringMap(value: unknown, where: string): Record<string, string> | undefined {
  if (value === undefined) return undefined;
  if (!isRecord(value) || Object.values(value).some((v) => typeof v !== 'string')) {
    throw new ManifestError(`${where}: annotations must map strings to strings`);
  }
  return value as Record<string, string>;
}

function descriptor(value: unknown, where: string): Descriptor {
  if (!isRecord(value)) throw new ManifestError(`${where}: expected a descriptor object`);
  const { mediaType, digest, size, artifactType, urls } = value;
  if (typeof mediaType !== 'string' || !/^[A-Za-z0-9][A-Za-z0-9!#$&^_.+-]{0,126}\/[A-Za-z0-9][A-Za-z0-9!#$&^_.+-]{0,126}$/.test(mediaType)) {
    throw new ManifestError(`${where}: mediaType is missing or malformed`);
  }
  if (typeof digest !== 'string' || !parseDigest(digest)) throw new ManifestError(`${where}: digest is missing or malformed`);
  if (typeof size !== 'number' || !Number.isSafeInteger(size) || size < 0) throw new ManifestError(`${where}: size must be a non-negative integer`);
  if (artifactType !== undefined && typeof artifactType !== 'string') throw new ManifestError(`${where}: artifactType must be a string`);
  if (urls !== undefined && (!Array.isArray(urls) || urls.some((u) => typeof u !== 'string'))) throw new ManifestError(`${where}: urls must be strings`);
  const result: Descriptor = { mediaType, digest, size };
  if (artifactType !== undefined) result.artifactType = artifactType;
  const annotations = stringMap(value.annotations, where);
  if (annotations) result.annotations = annotations;
  if (urls !== undefined) result.urls = urls as string[];
  return result;
}

function descriptors(value: unknown, where: string): Descriptor[] {
  if (!Array.isArray(value)) throw new ManifestError(`${where}: expected an array of descriptors`);
  return value.map((item, i) => descriptor(item, `${where}[${i}]`));
}

/**
 * Validates a manifest body against its media type: the Content-Type the
 * client sent wins, the body's own mediaType must agree with it, and
 * structure is checked only as far as Berth relies on it (references,
 * subject, artifactType). Throws ManifestError with a message for the client.
 */
export function parseManifest(body: Buffer, contentType: string | undefined): ParsedManifest {
  let json: unknown;
  try {
    json = JSON.parse(body.toString('utf8'));
  } catch {
    throw new ManifestError('manifest is not valid JSON');
  }
  // Its fields are stored as PostgreSQL text and jsonb, which cannot hold these.
  const unstorable = unstorableTextIn(json);
  if (unstorable !== undefined) throw new ManifestError(`${unstorable}: contains a character that cannot be stored (NUL or an unpaired UTF-16 surrogate)`);
  if (!isRecord(json)) throw new ManifestError('manifest must be a JSON object');
  if (json.schemaVersion !== 2) throw new ManifestError('only schemaVersion 2 manifests are supported');
  const declared = json.mediaType;
  if (declared !== undefined && typeof declared !== 'string') throw new ManifestError('mediaType must be a string');
  const header = baseMediaType(contentType);
  let mediaType: string | undefined;
  if (header && MANIFEST_TYPES.includes(header)) mediaType = header;
  else if (declared && MANIFEST_TYPES.includes(declared)) mediaType = declared;
  else if (!declared && 'manifests' in json) mediaType = MediaType.ociIndex;
  else if (!declared && 'config' in json) mediaType = MediaType.ociManifest;
  if (!mediaType) throw new ManifestError(`unsupported manifest media type ${JSON.stringify(header ?? declared ?? null)}`);
  if (declared !== undefined && declared !== mediaType) {
    throw new ManifestError(`manifest mediaType ${declared} does not match Content-Type ${mediaType}`);
  }
  const annotations = stringMap(json.annotations, 'annotations');
  const subject = json.subject === undefined ? undefined : descriptor(json.subject, 'subject');
  const artifactType = json.artifactType;
  if (artifactType !== undefined && typeof artifactType !== 'string') throw new ManifestError('artifactType must be a string');

  if (IMAGE_MANIFEST_TYPES.includes(mediaType)) {
    const config = descriptor(json.config, 'config');
    const layers = descriptors(json.layers, 'layers');
    const mustExist = layers.filter((layer) => !(isNonDistributable(layer.mediaType) && layer.urls?.length));
    return {
      kind: 'image',
      mediaType,
      blobs: [config, ...mustExist],
      children: [],
      config,
      layers,
      ...(subject && { subject }),
      artifactType: artifactType ?? config.mediaType,
      ...(annotations && { annotations }),
    };
  }
  if (!INDEX_TYPES.includes(mediaType)) throw new ManifestError(`unsupported manifest media type ${mediaType}`);
  return {
    kind: 'index',
    mediaType,
    blobs: [],
    children: descriptors(json.manifests, 'manifests'),
    layers: [],
    ...(subject && { subject }),
    ...(artifactType !== undefined && { artifactType }),
    ...(annotations && { annotations }),
  };
}
