/**
 * Where does a monolithic blob upload's time go on this machine? Serves one
 * HTTP endpoint whose work per request is chosen by the URL, and times curl
 * uploading the same file (same curl flags as bench/run.sh) to each variant,
 * interleaved, so the steps can be told apart:
 *
 *   discard      read the socket only (loopback + curl + node http floor)
 *   hash         + sha256 of every chunk on the main thread
 *   write        + 1 MiB batched writes to a temp file (page cache), no hash
 *   hash+write   both
 *   +fsync       hash+write, then fsync before answering
 *   blobstore    Berth's own BlobStore.writeSegment + FilesystemDriver (hash,
 *                batching, fsync, rename, directory fsyncs), without Fastify,
 *                auth or PostgreSQL
 *
 *   node bench/upload-breakdown.ts <file> [runs=3] [workdir=dirname(file)]
 *
 * Diagnostic only; `npm run bench` runs it when BENCH_BREAKDOWN=1.
 */
import { spawn, spawnSync } from 'node:child_process';
import { createHash, randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { open, unlink } from 'node:fs/promises';
import { createServer, type IncomingMessage } from 'node:http';
import { dirname, join } from 'node:path';
import type { AddressInfo } from 'node:net';
import { BlobStore } from '../server/src/storage/blob-store.ts';
import { FilesystemDriver } from '../server/src/storage/drivers/filesystem.driver.ts';

const [file, runsArg, workArg] = process.argv.slice(2);
if (!file) {
  console.error('usage: upload-breakdown.ts <file> [runs] [workdir]');
  process.exit(2);
}
const runs = Number(runsArg ?? 3);
const size = statSync(file).size;
const work = mkdtempSync(join(workArg ?? dirname(file), 'breakdown.'));
const store = new BlobStore(new FilesystemDriver({ rootDirectory: join(work, 'blobstore') }));

type Mode = 'discard' | 'hash' | 'write' | 'hash+write' | '+fsync' | 'blobstore';
const modes: Mode[] = ['discard', 'hash', 'write', 'hash+write', '+fsync', 'blobstore'];

async function handle(mode: Mode, req: IncomingMessage): Promise<Record<string, string>> {
  const t0 = performance.now();
  if (mode === 'blobstore') {
    const id = randomUUID();
    const hasher = createHash('sha256');
    await store.writeSegment(id, BlobStore.newSegmentName(0), req, [hasher]);
    hasher.digest('hex');
    const t1 = performance.now();
    await store.deleteUpload(id);
    return { 'x-handler-ms': (t1 - t0).toFixed(0) };
  }
  const hash = mode === 'hash' || mode === 'hash+write' || mode === '+fsync';
  const write = mode === 'write' || mode === 'hash+write' || mode === '+fsync';
  const hasher = createHash('sha256');
  const path = join(work, randomUUID());
  const fh = write ? await open(path, 'wx') : undefined;
  let batch: Buffer[] = [];
  let bytes = 0;
  let pending: Promise<unknown> = Promise.resolve();
  for await (const chunk of req as AsyncIterable<Buffer>) {
    if (hash) hasher.update(chunk);
    if (!fh) continue;
    batch.push(chunk);
    bytes += chunk.length;
    if (bytes >= 1024 * 1024) {
      const data = Buffer.concat(batch, bytes);
      batch = [];
      bytes = 0;
      await pending;
      pending = fh.write(data);
    }
  }
  const tRead = performance.now();
  let syncMs = 0;
  if (fh) {
    await pending;
    if (bytes) await fh.write(Buffer.concat(batch, bytes));
    if (mode === '+fsync') {
      const ts = performance.now();
      await fh.sync();
      syncMs = performance.now() - ts;
    }
    await fh.close();
    await unlink(path);
  }
  if (hash) hasher.digest('hex');
  return { 'x-handler-ms': (performance.now() - t0).toFixed(0), 'x-stream-ms': (tRead - t0).toFixed(0), 'x-fsync-ms': syncMs.toFixed(0) };
}

const server = createServer((req, res) => {
  const mode = decodeURIComponent(req.url!.slice(1)) as Mode;
  handle(mode, req).then(
    (headers) => {
      res.writeHead(201, headers);
      res.end();
    },
    (error: unknown) => {
      res.writeHead(500);
      res.end(String(error));
    },
  );
});
await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
const port = (server.address() as AddressInfo).port;

function upload(mode: Mode): Promise<{ seconds: number; headers: string }> {
  spawnSync('sync'); // no request is in flight, so blocking the loop here is harmless
  return new Promise((resolve, reject) => {
    // curl must run asynchronously: this process's event loop is also the server's.
    const curl = spawn(
      'sh',
      ['-c', `curl -sS -o /dev/null -D - -w 'TIME %{time_total}\\n' -H 'Expect:' -H 'Transfer-Encoding:' -H 'Content-Length: ${size}' -X POST -T - "http://127.0.0.1:${port}/${encodeURIComponent(mode)}" < "${file}"`],
      { stdio: ['ignore', 'pipe', 'inherit'] },
    );
    let out = '';
    curl.stdout.on('data', (d: Buffer) => (out += d.toString()));
    curl.on('error', reject);
    curl.on('close', () => {
      const seconds = Number(/TIME (\S+)/.exec(out)?.[1]);
      const headers = [...out.matchAll(/^x-([a-z]+)-ms: (\d+)/gim)].map((m) => `${m[1]} ${m[2]} ms`).join(', ');
      resolve({ seconds, headers });
    });
  });
}

const results = new Map<Mode, number[]>(modes.map((m) => [m, []]));
try {
  for (let run = 1; run <= runs; run++) {
    for (const mode of modes) {
      const { seconds, headers } = await upload(mode);
      results.get(mode)!.push(seconds);
      console.log(`  run ${run} ${mode.padEnd(10)} ${(size / seconds / 1e6).toFixed(0).padStart(5)} MB/s  ${seconds.toFixed(2)} s  (${headers})`);
    }
  }
  console.log('\nupload breakdown, best of runs (MB = 10^6 bytes):');
  for (const mode of modes) {
    const best = Math.min(...results.get(mode)!);
    console.log(`  ${mode.padEnd(10)} ${(size / best / 1e6).toFixed(0).padStart(5)} MB/s  ${best.toFixed(2)} s`);
  }
} finally {
  server.close();
  rmSync(work, { recursive: true, force: true });
}
