import assert from 'node:assert/strict';
import { randomBytes, randomUUID } from 'node:crypto';
import { GetObjectCommand, ListMultipartUploadsCommand, S3Client } from '@aws-sdk/client-s3';
import { buffer } from 'node:stream/consumers';
import { after, before, describe, it } from 'node:test';
import { startS3Server, type S3Server } from '../../../test/fixtures/s3-server.ts';
import { PathNotFoundError } from '../storage-driver.ts';
import { runStorageDriverContract } from '../storage-driver.contract.ts';
import { planCopyParts, S3Driver, type CopyPart, type S3DriverOptions } from './s3.driver.ts';

const MiB = 1024 * 1024;
const GiB = 1024 * MiB;

let server: S3Server | undefined;

async function s3Server(): Promise<S3Server> {
  server ??= await startS3Server();
  return server;
}

after(async () => {
  await server?.stop();
});

function driverOptions(s3: S3Server, rootDirectory: string): S3DriverOptions {
  return {
    bucket: s3.bucket,
    region: s3.region,
    endpoint: s3.endpoint,
    accessKeyId: s3.accessKeyId,
    secretAccessKey: s3.secretAccessKey,
    forcePathStyle: true,
    rootDirectory,
    // S3's minimum, so the contract's larger writes go through multipart uploads.
    multipartPartSize: 5 * MiB,
  };
}

// Each test gets its own key prefix in the one bucket, which is as good as an empty store.
runStorageDriverContract('s3', async () => {
  const s3 = await s3Server();
  return {
    driver: new S3Driver(driverOptions(s3, `contract/${randomUUID()}`)),
    cleanup: async () => {},
  };
});

describe('s3 storage driver', () => {
  let s3: S3Server;
  let client: S3Client;

  before(async () => {
    s3 = await s3Server();
    client = new S3Client({
      region: s3.region,
      endpoint: s3.endpoint,
      forcePathStyle: true,
      credentials: { accessKeyId: s3.accessKeyId, secretAccessKey: s3.secretAccessKey },
      requestChecksumCalculation: 'WHEN_REQUIRED',
      responseChecksumValidation: 'WHEN_REQUIRED',
    });
  });

  after(() => {
    client.destroy();
  });

  async function storedBytes(key: string): Promise<Buffer> {
    const object = await client.send(new GetObjectCommand({ Bucket: s3.bucket, Key: key }));
    return buffer(object.Body as NodeJS.ReadableStream);
  }

  it('stores exactly the written bytes, without aws-chunked framing, for single and multipart uploads', async () => {
    const root = `framing/${randomUUID()}`;
    const driver = new S3Driver(driverOptions(s3, root));
    const small = randomBytes(1000);
    const large = randomBytes(11 * MiB + 3);

    await driver.putContent('small', small);
    const writer = await driver.writer('large');
    await writer.write(large);
    await writer.commit();

    assert.deepEqual(await storedBytes(`${root}/small`), small);
    assert.deepEqual(await storedBytes(`${root}/large`), large);
  });

  it('keeps every path under its root directory prefix', async () => {
    const root = `prefixed/${randomUUID()}`;
    const driver = new S3Driver(driverOptions(s3, `/${root}/`));
    await driver.putContent('a/b', Buffer.from('x'));
    assert.equal((await storedBytes(`${root}/a/b`)).toString(), 'x');
    assert.deepEqual(await driver.list('a'), ['a/b']);
  });

  it('moves objects whose keys contain characters that need encoding in a copy source', async () => {
    const driver = new S3Driver(driverOptions(s3, `encoding/${randomUUID()}`));
    const source = 'uploads/sha256:abc@1=2,3;$&/with space/ünïcode';
    await driver.putContent(source, Buffer.from('x'));
    await driver.move(source, 'blobs/sha256:abc/data');
    assert.equal((await driver.getContent('blobs/sha256:abc/data')).toString(), 'x');
  });

  it('hands out pre-signed URLs only when redirect is enabled', async () => {
    const root = `redirect/${randomUUID()}`;
    const plain = new S3Driver(driverOptions(s3, root));
    assert.equal(await plain.redirectURL('blob', 'GET'), undefined);

    const redirecting = new S3Driver({ ...driverOptions(s3, root), redirect: true });
    await redirecting.putContent('blob', Buffer.from('direct download'));
    const url = await redirecting.redirectURL('blob', 'GET');
    assert.ok(url !== undefined);
    assert.match(url, /X-Amz-Signature=/);
    const response = await fetch(url);
    assert.equal(response.status, 200);
    assert.equal(await response.text(), 'direct download');

    const headUrl = await redirecting.redirectURL('blob', 'HEAD');
    assert.ok(headUrl !== undefined);
    const head = await fetch(headUrl, { method: 'HEAD' });
    assert.equal(head.status, 200);
    assert.equal(head.headers.get('content-length'), '15');
  });

  it('rejects a part size below the 5 MiB S3 minimum', () => {
    assert.throws(() => new S3Driver({ bucket: 'b', region: 'us-east-1', multipartPartSize: MiB }), RangeError);
  });

  it('rejects multipart copy settings outside what S3 accepts', () => {
    for (const options of [{ multipartCopyThreshold: 5 * GiB + 1 }, { multipartCopyThreshold: -1 }, { multipartCopyPartSize: MiB }, { multipartCopyPartSize: 5 * GiB + 1 }]) {
      assert.throws(() => new S3Driver({ bucket: 'b', region: 'us-east-1', ...options }), RangeError, JSON.stringify(options));
    }
  });

  it('moves an object above the multipart copy threshold server-side in UploadPartCopy parts, byte for byte', async () => {
    const driver = new S3Driver({ ...driverOptions(s3, `copy/${randomUUID()}`), multipartCopyThreshold: 5 * MiB, multipartCopyPartSize: 5 * MiB });
    const bytes = randomBytes(12 * MiB + 7);
    const writer = await driver.writer('uploads/big');
    await writer.write(bytes);
    await writer.commit();
    const before = s3.served.UploadPartCopy;
    await driver.move('uploads/big', 'blobs/big');
    assert.equal(s3.served.UploadPartCopy - before, 3, 'three parts: 5 MiB, 5 MiB, 2 MiB + 7 bytes');
    assert.ok((await driver.getContent('blobs/big')).equals(bytes));
    await assert.rejects(driver.stat('uploads/big'), PathNotFoundError);
  });

  it('moves objects up to the threshold with one CopyObject (5 GiB by default)', async () => {
    const driver = new S3Driver(driverOptions(s3, `copy/${randomUUID()}`));
    const bytes = randomBytes(6 * MiB);
    await driver.putContent('uploads/small', bytes);
    const before = s3.served.UploadPartCopy;
    await driver.move('uploads/small', 'blobs/small');
    assert.equal(s3.served.UploadPartCopy, before);
    assert.ok((await driver.getContent('blobs/small')).equals(bytes));
  });

  it('aborts the multipart upload of a cancelled writer, and purges uploads older than asked', async () => {
    const root = `abort/${randomUUID()}`;
    const driver = new S3Driver(driverOptions(s3, root));
    const listed = async () => ((await client.send(new ListMultipartUploadsCommand({ Bucket: s3.bucket, Prefix: `${root}/` }))).Uploads ?? []).map((u) => u.Key);
    const cancelled = await driver.writer('uploads/cancelled');
    await cancelled.write(randomBytes(6 * MiB));
    const left = await driver.writer('uploads/left');
    await left.write(randomBytes(6 * MiB));
    // A full part was sent, so each writer has started a multipart upload.
    assert.deepEqual((await listed()).sort(), [`${root}/uploads/cancelled`, `${root}/uploads/left`]);
    await cancelled.cancel();
    assert.deepEqual(await listed(), [`${root}/uploads/left`]);
    assert.equal(await driver.purgeTemporary(new Date(Date.now() - 60_000)), 0, 'the upload is younger than that');
    assert.equal(await driver.purgeTemporary(new Date(Date.now() + 60_000)), 1);
    assert.deepEqual(await listed(), []);
  });
});

describe('planCopyParts', () => {
  function assertCovers(parts: CopyPart[], size: number): void {
    parts.forEach((part, i) => {
      assert.equal(part.partNumber, i + 1);
      assert.equal(part.first, i === 0 ? 0 : parts[i - 1]!.last + 1, 'contiguous');
      assert.ok(part.last - part.first + 1 <= 5 * GiB, "no part above UploadPartCopy's 5 GiB");
      if (i < parts.length - 1) assert.ok(part.last - part.first + 1 >= 5 * MiB, "only the last part below S3's 5 MiB minimum");
    });
    assert.equal(parts.at(-1)!.last, size - 1);
    assert.ok(parts.length <= 10_000);
  }

  it('splits an object just over 5 GiB into 512 MiB parts, the last one a single byte', () => {
    const size = 5 * GiB + 1;
    const parts = planCopyParts(size, 512 * MiB);
    assert.equal(parts.length, 11);
    assert.deepEqual(parts.at(-1), { partNumber: 11, first: 5 * GiB, last: 5 * GiB });
    assertCovers(parts, size);
  });

  it('copies an object of exactly one part size in one part', () => {
    assert.deepEqual(planCopyParts(512 * MiB, 512 * MiB), [{ partNumber: 1, first: 0, last: 512 * MiB - 1 }]);
  });

  it("grows the parts when the part size would need more than S3's 10,000 parts", () => {
    const size = 5 * 1024 * GiB;
    const parts = planCopyParts(size, 5 * MiB);
    assert.equal(parts.length, 10_000);
    assertCovers(parts, size);
  });

  it('refuses what no multipart copy can do', () => {
    assert.throws(() => planCopyParts(0, 5 * MiB), RangeError);
    assert.throws(() => planCopyParts(10_000 * 5 * GiB + 1, 5 * MiB), RangeError);
  });
});
