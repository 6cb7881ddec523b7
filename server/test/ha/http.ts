import { request as httpRequest, type IncomingHttpHeaders } from 'node:http';
import { request as httpsRequest, type Agent } from 'node:https';
import { randomBytes } from 'node:crypto';
import { ADMIN_AUTH } from '../fixtures/registry-client.ts';
import { blobOf, imageOf, makeLayer, sha256, type Image } from '../fixtures/image-builder.ts';

export interface Reply {
  status: number;
  headers: IncomingHttpHeaders;
  body: Buffer;
  /** Milliseconds from sending to the end of the response. */
  ms: number;
}

export interface SendOptions {
  method?: string;
  headers?: Record<string, string>;
  body?: Buffer | string;
  /** For https URLs: an agent trusting the test CA. */
  agent?: Agent;
  timeoutMs?: number;
}

/** One request with Node's own client (over https, through `agent`: the cluster's keeps no connection alive). */
export function send(url: string, options: SendOptions = {}): Promise<Reply> {
  const started = performance.now();
  const https = url.startsWith('https:');
  return new Promise((resolve, reject) => {
    const make = https ? httpsRequest : httpRequest;
    const req = make(url, { method: options.method ?? 'GET', headers: options.headers, ...(https && { agent: options.agent }) }, (response) => {
      const chunks: Buffer[] = [];
      response.on('data', (chunk: Buffer) => chunks.push(chunk));
      response.on('end', () => resolve({ status: response.statusCode ?? 0, headers: response.headers, body: Buffer.concat(chunks), ms: performance.now() - started }));
      response.on('error', reject);
    });
    req.setTimeout(options.timeoutMs ?? 60_000, () => req.destroy(new Error(`no answer within ${options.timeoutMs ?? 60_000} ms: ${options.method ?? 'GET'} ${url}`)));
    req.on('error', reject);
    req.end(options.body);
  });
}

/** Statuses and failures a client retries: the proxy had no replica to give it (restart), or the connection broke. */
export function retryable(outcome: Reply | Error): boolean {
  return outcome instanceof Error || outcome.status === 502 || outcome.status === 503 || outcome.status === 504;
}

export interface RetryCounter {
  retries: number;
  /** What each absorbed failure was (status or error message), for the report. */
  reasons: Map<string, number>;
}

export function newCounter(): RetryCounter {
  return { retries: 0, reasons: new Map() };
}

/** `send` retried a bounded number of times on what `retryable` names, as registry clients do. */
export async function sendRetrying(url: string, options: SendOptions, counter: RetryCounter, attempts = 6): Promise<Reply> {
  for (let attempt = 1; ; attempt++) {
    const outcome = await send(url, options).catch((error: Error) => error);
    if (!retryable(outcome) || attempt === attempts) {
      if (outcome instanceof Error) throw outcome;
      return outcome;
    }
    counter.retries++;
    const reason = outcome instanceof Error ? outcome.message.replace(/\d+/g, 'N') : String(outcome.status);
    counter.reasons.set(reason, (counter.reasons.get(reason) ?? 0) + 1);
    await new Promise((r) => setTimeout(r, 100 * attempt));
  }
}

/** A small image of its own (a random layer), pushed as OCI clients do, with Basic credentials on each request. */
export async function smallImage(): Promise<Image> {
  return imageOf([await makeLayer(2048 + Math.floor(Math.random() * 2048))], { created: new Date().toISOString() });
}

function check(reply: Reply, want: number, what: string): void {
  if (reply.status !== want) throw new Error(`${what}: ${reply.status} (want ${want}) ${reply.body.toString('utf8').slice(0, 300)}`);
}

/** Pushes `image` to base/v2/<repository>:<tag>: each blob in one POST (?digest=), then the manifest. */
export async function pushImage(base: string, repository: string, tag: string, image: Image, agent: Agent | undefined, counter: RetryCounter): Promise<void> {
  const auth = { authorization: ADMIN_AUTH };
  for (const blob of [image.config, ...image.layers]) {
    const reply = await sendRetrying(
      `${base}/v2/${repository}/blobs/uploads/?digest=${blob.digest}`,
      { method: 'POST', headers: { ...auth, 'content-type': 'application/octet-stream', 'content-length': String(blob.size) }, body: blob.bytes, ...(agent && { agent }) },
      counter,
    );
    check(reply, 201, `POST blob ${repository}`);
  }
  const reply = await sendRetrying(
    `${base}/v2/${repository}/manifests/${tag}`,
    { method: 'PUT', headers: { ...auth, 'content-type': image.manifest.mediaType }, body: image.manifest.bytes, ...(agent && { agent }) },
    counter,
  );
  check(reply, 201, `PUT manifest ${repository}:${tag}`);
}

/** Pulls <repository>:<tag> and each blob, checking every digest. */
export async function pullImage(base: string, repository: string, tag: string, image: Image, agent: Agent | undefined, counter: RetryCounter): Promise<void> {
  const auth = { authorization: ADMIN_AUTH };
  const manifest = await sendRetrying(`${base}/v2/${repository}/manifests/${tag}`, { headers: { ...auth, accept: image.manifest.mediaType }, ...(agent && { agent }) }, counter);
  check(manifest, 200, `GET manifest ${repository}:${tag}`);
  if (sha256(manifest.body) !== image.manifest.digest) throw new Error(`manifest ${repository}:${tag} pulled with digest ${sha256(manifest.body)}`);
  for (const blob of [image.config, ...image.layers]) {
    const reply = await sendRetrying(`${base}/v2/${repository}/blobs/${blob.digest}`, { headers: auth, ...(agent && { agent }) }, counter);
    check(reply, 200, `GET blob ${repository}`);
    if (sha256(reply.body) !== blob.digest) throw new Error(`blob ${blob.digest} pulled as ${sha256(reply.body)}`);
  }
}

export function randomBlob(size: number) {
  return blobOf(randomBytes(size), 'application/octet-stream');
}
