import assert from 'node:assert/strict';
import { randomBytes, randomUUID } from 'node:crypto';
import { GetObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { buffer } from 'node:stream/consumers';
import { after, before, describe, it } from 'node:test';
import { startS3Server, type S3Server } from '../../../test/fixtures/s3-server.ts';
import { runStorageDriverContract } from '../storage-driver.contract.ts';
import { S3Driver, type S3DriverOptions } from './s3.driver.ts';

const MiB = 1024 * 1024;

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
});
