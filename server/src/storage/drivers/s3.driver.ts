import {
  AbortMultipartUploadCommand,
  CompleteMultipartUploadCommand,
  CopyObjectCommand,
  CreateMultipartUploadCommand,
  DeleteObjectCommand,
  DeleteObjectsCommand,
  GetObjectCommand,
  ListMultipartUploadsCommand,
  HeadObjectCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  S3Client,
  S3ServiceException,
  UploadPartCommand,
  UploadPartCopyCommand,
  type CompletedPart,
} from '@aws-sdk/client-s3';
import { getSignedUrl } from '@aws-sdk/s3-request-presigner';
import { PassThrough, pipeline, Readable } from 'node:stream';
import { buffer } from 'node:stream/consumers';
import {
  assertSafePath,
  InvalidOffsetError,
  PathNotFoundError,
  type ByteSink,
  type FileInfo,
  type FileWriter,
  type StorageDriver,
} from '../storage-driver.ts';

const MiB = 1024 * 1024;
const GiB = 1024 * MiB;
/** S3 refuses non-final multipart parts below 5 MiB. */
const MIN_PART_SIZE = 5 * MiB;
const DEFAULT_PART_SIZE = 16 * MiB;
/** CopyObject's limit, and UploadPartCopy's per part; larger objects must be copied part by part. */
const MAX_COPY_OBJECT_SIZE = 5 * GiB;
/** 10,000 parts (S3's maximum) of this size cover S3's 5 TiB object limit. */
const DEFAULT_COPY_PART_SIZE = 512 * MiB;
/** S3's maximum number of parts in one multipart upload. */
const MAX_PARTS = 10_000;
const COPY_CONCURRENCY = 4;
/** ListObjectsV2 pages and DeleteObjects batches are both capped at 1,000 keys by S3. */
const MAX_KEYS_PER_REQUEST = 1000;
/** Read-ahead for object streams, so a slow consumer does not stall the socket every 16 KiB. */
const READ_BUFFER_SIZE = MiB;
/** Long enough for a client to start a large blob download, short enough to limit a leaked URL. */
const REDIRECT_EXPIRY_SECONDS = 20 * 60;

export interface S3DriverOptions {
  bucket: string;
  region: string;
  /** For S3-compatible stores (MinIO, Ceph, s3rver); omit for AWS. */
  endpoint?: string;
  /** Omit both to use the SDK's default credential chain (environment, instance role, …). */
  accessKeyId?: string;
  secretAccessKey?: string;
  forcePathStyle?: boolean;
  /** Key prefix under which every storage path lives. */
  rootDirectory?: string;
  /**
   * Bytes buffered per multipart part (default 16 MiB, at least 5 MiB). A
   * writer holds at most two parts in memory, and S3's 10,000-part limit caps
   * an object at 10,000 × this size.
   */
  multipartPartSize?: number;
  /** Hand clients pre-signed URLs so blob bytes bypass the registry. */
  redirect?: boolean;
  /**
   * Objects larger than this are moved with a multipart copy (UploadPartCopy
   * in parallel parts) instead of one CopyObject; default and maximum 5 GiB,
   * CopyObject's limit. Distribution's `multipartcopythresholdsize`.
   */
  multipartCopyThreshold?: number;
  /** Bytes per UploadPartCopy (default 512 MiB, 5 MiB to 5 GiB). Distribution's `multipartcopychunksize`. */
  multipartCopyPartSize?: number;
}

/** One UploadPartCopy of a multipart copy: the source's bytes first…last (inclusive, as in a Range header). */
export interface CopyPart {
  partNumber: number;
  first: number;
  last: number;
}

/**
 * The parts a multipart copy of `size` bytes is made of: contiguous ranges
 * of `partSize` bytes (the last one shorter), grown evenly when `partSize`
 * would take more than S3's 10,000 parts.
 */
export function planCopyParts(size: number, partSize: number): CopyPart[] {
  if (!Number.isSafeInteger(size) || size <= 0) throw new RangeError(`a multipart copy needs a positive size, got ${size}`);
  const length = Math.max(partSize, Math.ceil(size / MAX_PARTS));
  if (length > MAX_COPY_OBJECT_SIZE) throw new RangeError(`${size} bytes do not fit in ${MAX_PARTS} parts of at most ${MAX_COPY_OBJECT_SIZE} bytes`);
  const parts: CopyPart[] = [];
  for (let first = 0; first < size; first += length) parts.push({ partNumber: parts.length + 1, first, last: Math.min(size, first + length) - 1 });
  return parts;
}

/**
 * Stores each path as the object `<rootDirectory>/<path>`; "directories" are
 * key prefixes. Needs the multipart operations of S3 (CreateMultipartUpload,
 * UploadPart, UploadPartCopy, CompleteMultipartUpload, AbortMultipartUpload,
 * ListMultipartUploads).
 */
export class S3Driver implements StorageDriver {
  readonly name = 's3';
  private readonly client: S3Client;
  private readonly bucket: string;
  private readonly prefix: string;
  private readonly partSize: number;
  private readonly redirect: boolean;
  private readonly copyThreshold: number;
  private readonly copyPartSize: number;

  constructor(options: S3DriverOptions) {
    const partSize = options.multipartPartSize ?? DEFAULT_PART_SIZE;
    if (!Number.isSafeInteger(partSize) || partSize < MIN_PART_SIZE) {
      throw new RangeError(`multipartPartSize must be an integer of at least ${MIN_PART_SIZE} bytes, got ${partSize}`);
    }
    const copyThreshold = options.multipartCopyThreshold ?? MAX_COPY_OBJECT_SIZE;
    if (!Number.isSafeInteger(copyThreshold) || copyThreshold < 0 || copyThreshold > MAX_COPY_OBJECT_SIZE) {
      throw new RangeError(`multipartCopyThreshold must be an integer from 0 to ${MAX_COPY_OBJECT_SIZE} bytes, got ${copyThreshold}`);
    }
    const copyPartSize = options.multipartCopyPartSize ?? DEFAULT_COPY_PART_SIZE;
    if (!Number.isSafeInteger(copyPartSize) || copyPartSize < MIN_PART_SIZE || copyPartSize > MAX_COPY_OBJECT_SIZE) {
      throw new RangeError(`multipartCopyPartSize must be an integer from ${MIN_PART_SIZE} to ${MAX_COPY_OBJECT_SIZE} bytes, got ${copyPartSize}`);
    }
    const root = (options.rootDirectory ?? '').replace(/^\/+|\/+$/g, '');
    if (root !== '') assertSafePath(root);
    this.client = new S3Client({
      region: options.region,
      endpoint: options.endpoint,
      forcePathStyle: options.forcePathStyle,
      credentials:
        options.accessKeyId !== undefined && options.secretAccessKey !== undefined
          ? { accessKeyId: options.accessKeyId, secretAccessKey: options.secretAccessKey }
          : undefined,
      // By default the SDK sends bodies as aws-chunked with a trailing checksum;
      // s3rver and some other S3-compatible stores keep that framing as object bytes.
      requestChecksumCalculation: 'WHEN_REQUIRED',
      responseChecksumValidation: 'WHEN_REQUIRED',
    });
    this.bucket = options.bucket;
    this.prefix = root === '' ? '' : `${root}/`;
    this.partSize = partSize;
    this.redirect = options.redirect ?? false;
    this.copyThreshold = copyThreshold;
    this.copyPartSize = copyPartSize;
  }

  async getContent(path: string): Promise<Buffer> {
    const key = this.key(path);
    try {
      const object = await this.client.send(new GetObjectCommand({ Bucket: this.bucket, Key: key }));
      return await buffer(bodyOf(object.Body));
    } catch (err) {
      throw notFoundOr(err, path);
    }
  }

  async putContent(path: string, content: Buffer): Promise<void> {
    const key = this.key(path);
    await this.client.send(
      new PutObjectCommand({ Bucket: this.bucket, Key: key, Body: content, ContentLength: content.length }),
    );
  }

  async reader(path: string, offset = 0, length?: number): Promise<Readable> {
    const key = this.key(path);
    if (!Number.isSafeInteger(offset) || offset < 0) throw new InvalidOffsetError(path, offset);
    if (length !== undefined && (!Number.isSafeInteger(length) || length < 0)) {
      throw new InvalidOffsetError(path, offset);
    }
    if (length === 0) return this.emptyReader(path, offset);
    const range =
      offset === 0 && length === undefined
        ? undefined
        : `bytes=${offset}-${length === undefined ? '' : offset + length - 1}`;
    try {
      const object = await this.client.send(new GetObjectCommand({ Bucket: this.bucket, Key: key, Range: range }));
      return withReadAhead(bodyOf(object.Body));
    } catch (err) {
      // A range starting at the end (or any range of an empty object) is unsatisfiable to S3, but is valid here.
      if (statusOf(err) === 416) return this.emptyReader(path, offset);
      throw notFoundOr(err, path);
    }
  }

  async copyTo(path: string, sink: ByteSink, offset = 0, length?: number): Promise<void> {
    for await (const chunk of await this.reader(path, offset, length)) await sink.write(chunk as Buffer);
  }

  async writer(path: string): Promise<FileWriter> {
    return new S3FileWriter(this.client, this.bucket, this.key(path), this.partSize);
  }

  async stat(path: string): Promise<FileInfo> {
    const key = this.key(path);
    try {
      const head = await this.client.send(new HeadObjectCommand({ Bucket: this.bucket, Key: key }));
      return { path, size: head.ContentLength ?? 0, modTime: head.LastModified ?? new Date(0), isDir: false };
    } catch (err) {
      if (!isNotFound(err)) throw err;
    }
    const children = await this.client.send(
      new ListObjectsV2Command({ Bucket: this.bucket, Prefix: `${key}/`, MaxKeys: 1 }),
    );
    if ((children.Contents ?? []).length === 0) throw new PathNotFoundError(path);
    // A prefix has no timestamp of its own.
    return { path, size: 0, modTime: new Date(0), isDir: true };
  }

  async list(path: string): Promise<string[]> {
    const prefix = `${this.key(path)}/`;
    // A key can be both an object and a prefix ("a/b" and "a/b/c"); it is listed once.
    const children = new Set<string>();
    let continuationToken: string | undefined;
    do {
      const page = await this.client.send(
        new ListObjectsV2Command({
          Bucket: this.bucket,
          Prefix: prefix,
          Delimiter: '/',
          ContinuationToken: continuationToken,
        }),
      );
      for (const object of page.Contents ?? []) {
        // Consoles create "folder/" marker objects; they are not children.
        if (object.Key !== undefined && object.Key !== prefix) children.add(this.pathOf(object.Key));
      }
      for (const common of page.CommonPrefixes ?? []) {
        if (common.Prefix !== undefined) children.add(this.pathOf(common.Prefix.slice(0, -1)));
      }
      continuationToken = page.IsTruncated ? page.NextContinuationToken : undefined;
    } while (continuationToken !== undefined);
    if (children.size === 0) throw new PathNotFoundError(path);
    return [...children].sort();
  }

  async move(source: string, dest: string): Promise<void> {
    const sourceKey = this.key(source);
    const destKey = this.key(dest);
    const size = await this.objectSize(source);
    if (sourceKey === destKey) return;
    if (size > this.copyThreshold) {
      await this.multipartCopy(sourceKey, destKey, size);
    } else {
      await this.client.send(
        new CopyObjectCommand({ Bucket: this.bucket, Key: destKey, CopySource: copySource(this.bucket, sourceKey) }),
      );
    }
    await this.client.send(new DeleteObjectCommand({ Bucket: this.bucket, Key: sourceKey }));
  }

  async purgeTemporary(olderThan: Date): Promise<number> {
    let removed = 0;
    let keyMarker: string | undefined;
    let uploadIdMarker: string | undefined;
    do {
      const page = await this.client.send(
        new ListMultipartUploadsCommand({ Bucket: this.bucket, Prefix: this.prefix, KeyMarker: keyMarker, UploadIdMarker: uploadIdMarker }),
      );
      for (const upload of page.Uploads ?? []) {
        if (upload.Key && upload.UploadId && upload.Initiated && upload.Initiated < olderThan) {
          await abortUpload(this.client, this.bucket, upload.Key, upload.UploadId);
          removed++;
        }
      }
      keyMarker = page.IsTruncated ? page.NextKeyMarker : undefined;
      uploadIdMarker = page.IsTruncated ? page.NextUploadIdMarker : undefined;
    } while (keyMarker);
    return removed;
  }

  async delete(path: string): Promise<void> {
    const key = this.key(path);
    let continuationToken: string | undefined;
    do {
      const page = await this.client.send(
        new ListObjectsV2Command({
          Bucket: this.bucket,
          Prefix: `${key}/`,
          MaxKeys: MAX_KEYS_PER_REQUEST,
          ContinuationToken: continuationToken,
        }),
      );
      const keys = (page.Contents ?? []).flatMap((object) => (object.Key === undefined ? [] : [object.Key]));
      if (keys.length > 0) await this.deleteKeys(path, keys);
      continuationToken = page.IsTruncated ? page.NextContinuationToken : undefined;
    } while (continuationToken !== undefined);
    await this.client.send(new DeleteObjectCommand({ Bucket: this.bucket, Key: key }));
  }

  /** A bucket has no size to report. */
  async capacity(): Promise<undefined> {
    return undefined;
  }

  async redirectURL(path: string, method: 'GET' | 'HEAD'): Promise<string | undefined> {
    const key = this.key(path);
    if (!this.redirect) return undefined;
    const input = { Bucket: this.bucket, Key: key };
    return method === 'GET'
      ? getSignedUrl(this.client, new GetObjectCommand(input), { expiresIn: REDIRECT_EXPIRY_SECONDS })
      : getSignedUrl(this.client, new HeadObjectCommand(input), { expiresIn: REDIRECT_EXPIRY_SECONDS });
  }

  private key(path: string): string {
    assertSafePath(path);
    return this.prefix + path;
  }

  private pathOf(key: string): string {
    return key.slice(this.prefix.length);
  }

  private async objectSize(path: string): Promise<number> {
    try {
      const head = await this.client.send(new HeadObjectCommand({ Bucket: this.bucket, Key: this.key(path) }));
      return head.ContentLength ?? 0;
    } catch (err) {
      throw notFoundOr(err, path);
    }
  }

  private async emptyReader(path: string, offset: number): Promise<Readable> {
    if (offset > (await this.objectSize(path))) throw new InvalidOffsetError(path, offset);
    const stream = new PassThrough();
    stream.end();
    return stream;
  }

  private async deleteKeys(path: string, keys: string[]): Promise<void> {
    const result = await this.client.send(
      new DeleteObjectsCommand({
        Bucket: this.bucket,
        Delete: { Objects: keys.map((Key) => ({ Key })), Quiet: true },
      }),
    );
    const failure = result.Errors?.[0];
    if (failure !== undefined) {
      throw new Error(
        `could not delete ${result.Errors?.length} objects under ${path}, e.g. ${failure.Key}: ${failure.Code} ${failure.Message}`,
      );
    }
  }

  /** Server-side copy in ranges, for objects CopyObject refuses (or above the configured threshold). */
  private async multipartCopy(sourceKey: string, destKey: string, size: number): Promise<void> {
    const plan = planCopyParts(size, this.copyPartSize);
    const { UploadId } = await this.client.send(
      new CreateMultipartUploadCommand({ Bucket: this.bucket, Key: destKey }),
    );
    const parts: CompletedPart[] = [];
    let next = 0;
    const copyParts = async (): Promise<void> => {
      while (next < plan.length) {
        const { partNumber, first, last } = plan[next++]!;
        const result = await this.client.send(
          new UploadPartCopyCommand({
            Bucket: this.bucket,
            Key: destKey,
            UploadId,
            PartNumber: partNumber,
            CopySource: copySource(this.bucket, sourceKey),
            CopySourceRange: `bytes=${first}-${last}`,
          }),
        );
        parts.push({ PartNumber: partNumber, ETag: result.CopyPartResult?.ETag });
      }
    };
    try {
      await Promise.all(Array.from({ length: Math.min(COPY_CONCURRENCY, plan.length) }, copyParts));
      await this.client.send(
        new CompleteMultipartUploadCommand({
          Bucket: this.bucket,
          Key: destKey,
          UploadId,
          MultipartUpload: { Parts: parts.sort(byPartNumber) },
        }),
      );
    } catch (err) {
      await abortUpload(this.client, this.bucket, destKey, UploadId).catch(() => {});
      throw err;
    }
  }
}

/**
 * Buffers one part at a time; while a full part uploads, the next one fills,
 * and a write that completes a second part waits for the first (back-pressure).
 * Objects smaller than a part are sent with a single PutObject.
 */
class S3FileWriter implements FileWriter {
  private readonly client: S3Client;
  private readonly bucket: string;
  private readonly key: string;
  private readonly partSize: number;
  private buffer: Buffer | undefined;
  private filled = 0;
  private written = 0;
  private uploadId: string | undefined;
  private partCount = 0;
  private readonly parts: CompletedPart[] = [];
  /** The part being uploaded; resolves to its buffer so the next part can reuse it. */
  private inflight: Promise<Buffer> | undefined;
  private state: 'open' | 'committed' | 'cancelled' = 'open';

  constructor(client: S3Client, bucket: string, key: string, partSize: number) {
    this.client = client;
    this.bucket = bucket;
    this.key = key;
    this.partSize = partSize;
  }

  get size(): number {
    return this.written;
  }

  async write(chunk: Buffer): Promise<void> {
    this.assertOpen();
    // Copied, not referenced: the caller may reuse `chunk` once write() resolves.
    let consumed = 0;
    while (consumed < chunk.length) {
      this.buffer ??= Buffer.allocUnsafe(this.partSize);
      const copied = chunk.copy(this.buffer, this.filled, consumed);
      this.filled += copied;
      consumed += copied;
      this.written += copied;
      if (this.filled === this.partSize) await this.flushPart(this.buffer);
    }
  }

  async commit(): Promise<void> {
    this.assertOpen();
    const tail = this.buffer?.subarray(0, this.filled) ?? Buffer.alloc(0);
    if (this.uploadId === undefined) {
      await this.client.send(
        new PutObjectCommand({ Bucket: this.bucket, Key: this.key, Body: tail, ContentLength: tail.length }),
      );
    } else {
      await Promise.all([
        this.inflight,
        tail.length > 0 ? this.uploadPart(this.uploadId, ++this.partCount, tail) : undefined,
      ]);
      this.filled = 0;
      await this.client.send(
        new CompleteMultipartUploadCommand({
          Bucket: this.bucket,
          Key: this.key,
          UploadId: this.uploadId,
          MultipartUpload: { Parts: [...this.parts].sort(byPartNumber) },
        }),
      );
    }
    this.state = 'committed';
    this.buffer = undefined;
  }

  async cancel(): Promise<void> {
    if (this.state !== 'open') return;
    this.state = 'cancelled';
    this.buffer = undefined;
    // A part still uploading could land after the abort; let it finish (or fail) first.
    await this.inflight?.catch(() => {});
    if (this.uploadId !== undefined) await abortUpload(this.client, this.bucket, this.key, this.uploadId);
  }

  private async flushPart(full: Buffer): Promise<void> {
    const spare = await this.inflight;
    this.uploadId ??= await this.createUpload();
    const upload = this.uploadPart(this.uploadId, ++this.partCount, full);
    // Marks the rejection as handled; it is rethrown where inflight is next awaited.
    upload.catch(() => {});
    this.inflight = upload;
    this.buffer = spare;
    this.filled = 0;
  }

  private async createUpload(): Promise<string> {
    const { UploadId } = await this.client.send(
      new CreateMultipartUploadCommand({ Bucket: this.bucket, Key: this.key }),
    );
    if (UploadId === undefined) throw new Error(`CreateMultipartUpload for ${this.key} returned no UploadId`);
    return UploadId;
  }

  private async uploadPart(uploadId: string, partNumber: number, body: Buffer): Promise<Buffer> {
    const result = await this.client.send(
      new UploadPartCommand({
        Bucket: this.bucket,
        Key: this.key,
        UploadId: uploadId,
        PartNumber: partNumber,
        Body: body,
        ContentLength: body.length,
      }),
    );
    this.parts.push({ PartNumber: partNumber, ETag: result.ETag });
    return body;
  }

  private assertOpen(): void {
    if (this.state !== 'open') throw new Error(`writer for ${this.key} is already ${this.state}`);
  }
}

async function abortUpload(client: S3Client, bucket: string, key: string, uploadId: string | undefined): Promise<void> {
  try {
    await client.send(new AbortMultipartUploadCommand({ Bucket: bucket, Key: key, UploadId: uploadId }));
  } catch (err) {
    // NoSuchUpload: already completed or aborted (e.g. by another replica's purge).
    if (statusOf(err) !== 404) throw err;
  }
}

/** x-amz-copy-source is the URL-encoded bucket/key ('+' too, which S3 would read as a space). */
function copySource(bucket: string, key: string): string {
  return `${bucket}/${key.split('/').map(encodeURIComponent).join('/')}`;
}

function byPartNumber(a: CompletedPart, b: CompletedPart): number {
  return (a.PartNumber ?? 0) - (b.PartNumber ?? 0);
}

function bodyOf(body: unknown): Readable {
  // In Node the SDK's streaming body is the HTTP response, an IncomingMessage.
  if (!(body instanceof Readable)) throw new Error('S3 returned an object without a readable body');
  return body;
}

function withReadAhead(body: Readable): Readable {
  const stream = new PassThrough({ highWaterMark: READ_BUFFER_SIZE });
  // pipeline forwards errors to `stream` and releases the socket if the consumer stops early.
  pipeline(body, stream, () => {});
  return stream;
}

function statusOf(err: unknown): number | undefined {
  return err instanceof S3ServiceException ? err.$metadata.httpStatusCode : undefined;
}

function isNotFound(err: unknown): boolean {
  // A missing bucket is a misconfiguration, not a missing path.
  return err instanceof S3ServiceException && err.name !== 'NoSuchBucket' && statusOf(err) === 404;
}

function notFoundOr(err: unknown, path: string): unknown {
  return isNotFound(err) ? new PathNotFoundError(path) : err;
}
