import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { METHODS, type IncomingMessage } from 'node:http';
import { BerthError } from '../errors.ts';
import { isValidRepositoryName } from '../oci/names.ts';
import { IdleTimer } from '../net/idle-timer.ts';
import { InvalidOffsetError, PathNotFoundError } from '../storage/storage-driver.ts';
import { parseByteRange, parseContentRange, parsePageSize } from './http-params.ts';
import { requireName } from '../content/content-rules.ts';
import type { ContentServices } from '../content/content-services.ts';
import { MAX_MANIFEST_BYTES } from '../content/manifests.service.ts';
import { callerName, type RegistryAccess, type RegistryAction, type RegistryCaller } from '../access/registry-access.ts';
import type { SettingsService } from '../settings/settings.service.ts';
import type { PullRecorder } from './pull-recorder.ts';
import { REGISTRY_PATHS, registryPath } from './registry-paths.ts';

declare module 'fastify' {
  interface FastifyRequest {
    registryCaller?: RegistryCaller;
  }
}

type Handler = (ctx: { request: FastifyRequest; reply: FastifyReply; name: string; ref: string }) => Promise<unknown>;

interface Route {
  pattern: RegExp;
  methods: Partial<Record<string, Handler>>;
  /** A second repository the request reads (a mount's source), which authorization must cover too. */
  source?: (request: FastifyRequest) => string | undefined;
}

function uploadLocation(name: string, id: string): string {
  return `/v2/${name}/blobs/uploads/${id}`;
}

function uploadRange(size: number): string {
  // distribution's convention: an empty upload reports 0-0.
  return `0-${Math.max(size - 1, 0)}`;
}

function hasBody(raw: IncomingMessage): boolean {
  const length = raw.headers['content-length'];
  if (length !== undefined) return Number(length) > 0;
  return raw.headers['transfer-encoding'] !== undefined;
}

/**
 * A manifest body, refused past `limit` bytes (413) or when it sends nothing
 * for `idleMs` (408, 0: no limit). The request stream is left undestroyed so
 * the refusal can still be written; the connection is then closed
 * (http/unread-body.ts).
 */
async function readLimited(raw: IncomingMessage, limit: number, idleMs: number): Promise<Buffer> {
  const tooLarge = () => new BerthError('MANIFEST_TOO_LARGE', `manifest exceeds ${limit} bytes`, { status: 413 });
  if (Number(raw.headers['content-length'] ?? 0) > limit) throw tooLarge();
  return await new Promise<Buffer>((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const idle = new IdleTimer(idleMs, () => finish(new BerthError('MANIFEST_INVALID', `the manifest body sent nothing for ${idleMs / 1000} s`, { status: 408 })));
    const finish = (error?: Error) => {
      idle.disarm();
      raw.off('data', onData).off('end', onEnd).off('error', finish).off('close', onClose);
      if (error) reject(error);
      else resolve(Buffer.concat(chunks, size));
    };
    const onData = (chunk: Buffer) => {
      idle.touch();
      size += chunk.length;
      if (size > limit) finish(tooLarge());
      else chunks.push(chunk);
    };
    const onEnd = () => finish();
    const onClose = () => {
      if (!raw.readableEnded) finish(new Error('the request ended before its body was complete'));
    };
    raw.on('data', onData).on('end', onEnd).on('error', finish).on('close', onClose);
    idle.arm();
  });
}

function queryOf(request: FastifyRequest): Record<string, string | undefined> {
  return request.query as Record<string, string | undefined>;
}

/**
 * The OCI Distribution API under /v2/. Repository names contain slashes, so
 * one wildcard route takes every /v2 request and the path is matched here,
 * the last `/blobs/`, `/manifests/`… segment winning as distribution does.
 * Bodies are never parsed by Fastify: blob bytes stream straight from the
 * socket into storage.
 */
/** The registry action a request needs: reads pull, deletes of blobs and manifests delete, everything else pushes. */
function actionOf(method: string, path: string): RegistryAction {
  const upload = path.includes('/blobs/uploads');
  if ((method === 'GET' || method === 'HEAD') && !upload) return 'pull';
  if (method === 'DELETE' && !upload) return 'delete';
  return 'push';
}

/** Every method Node hands to a server (CONNECT never reaches a route), so /v2 answers the ones it does not serve with 405, not 404. */
const ALL_METHODS = METHODS.filter((method) => method !== 'CONNECT');

function methodNotAllowed(method: string, allowed: string[]): BerthError {
  return new BerthError('UNSUPPORTED', `${method} is not supported here`, { status: 405, headers: { Allow: allowed.join(', ') } });
}

/** The repository a blob-upload POST asks to mount from, when it is a valid name (anything else just starts an upload). */
function mountSource(request: FastifyRequest): string | undefined {
  const query = queryOf(request);
  if (request.method !== 'POST' || typeof query.mount !== 'string' || typeof query.from !== 'string') return undefined;
  return isValidRepositoryName(query.from) ? query.from : undefined;
}

export async function registryRoutes(
  app: FastifyInstance,
  opts: {
    content: ContentServices;
    access: RegistryAccess;
    pulls: PullRecorder;
    settings: SettingsService;
  },
): Promise<void> {
  const { access, pulls, settings } = opts;
  const { blobs, manifests, tags, repositories } = opts.content;
  const callerOf = (request: FastifyRequest): RegistryCaller => request.registryCaller ?? { kind: 'anonymous' };

  app.addHook('onRequest', async (request) => {
    request.registryCaller = await access.identify(request);
  });

  for (const method of ALL_METHODS) if (!app.supportedMethods.includes(method)) app.addHttpMethod(method, { hasBody: true });

  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', (_request, _payload, done) => done(null));

  const blobHead: Handler = async ({ request, reply, name, ref }) => {
    const blob = await blobs.statBlob(name, ref);
    reply.headers({ 'Docker-Content-Digest': blob.digest, 'Accept-Ranges': 'bytes', 'Content-Type': 'application/octet-stream', ETag: `"${blob.digest}"` });
    const redirect = await blobs.blobRedirectURL(blob.digest, request.method === 'HEAD' ? 'HEAD' : 'GET');
    if (redirect) return reply.redirect(redirect, 307);
    if (request.method === 'HEAD') return reply.header('Content-Length', blob.size).status(200).send();
    const range = parseByteRange(request.headers.range, blob.size);
    if (range === 'unsatisfiable') {
      throw new BerthError('RANGE_INVALID', 'requested range not satisfiable', { headers: { 'Content-Range': `bytes */${blob.size}` } });
    }
    const status = range ? 206 : 200;
    const offset = range?.start ?? 0;
    const length = range ? range.end - range.start + 1 : blob.size;
    const bodyHeaders: Record<string, string | number> = { 'Content-Length': length };
    if (range) bodyHeaders['Content-Range'] = `bytes ${range.start}-${range.end}/${blob.size}`;
    if (length === 0) return reply.status(status).headers(bodyHeaders).send();
    // The bytes bypass Fastify's stream handling: the driver writes recycled
    // buffers straight to the socket, awaiting each write. Until the first
    // write nothing is sent, so a storage error still becomes a JSON error.
    let started = false;
    const sink = {
      write: (chunk: Buffer) => {
        if (!started) {
          started = true;
          reply.hijack();
          reply.raw.writeHead(status, { ...(reply.getHeaders() as Record<string, string>), ...bodyHeaders });
        }
        return new Promise<void>((resolve, reject) => {
          reply.raw.write(chunk, (error) => (error ? reject(error) : resolve()));
        });
      },
    };
    try {
      await blobs.copyBlob(blob.digest, sink, offset, length);
      reply.raw.end();
    } catch (error) {
      if (started) {
        // Headers are out; all we can do is cut the response short so the client sees a failed download.
        request.log.warn({ err: error, digest: blob.digest }, 'blob download aborted');
        reply.raw.destroy();
        return;
      }
      if (error instanceof PathNotFoundError || error instanceof InvalidOffsetError) {
        request.log.error({ digest: blob.digest }, 'live blob row without bytes in storage');
        throw new BerthError('BLOB_UNKNOWN', 'blob unknown to registry', { detail: { digest: blob.digest } });
      }
      throw error;
    }
  };

  const routes: Route[] = [
    {
      pattern: REGISTRY_PATHS.blob_upload,
      source: mountSource,
      methods: {
        POST: async ({ request, reply, name }) => {
          const query = queryOf(request);
          const from = mountSource(request);
          // Mounting needs pull on the source; without it the client just gets a fresh upload, revealing nothing.
          if (from !== undefined && query.mount !== undefined && (await access.isAllowed(callerOf(request), from, 'pull'))) {
            if (await blobs.mountBlob(name, from, query.mount)) {
              return reply.status(201).headers({ Location: `/v2/${name}/blobs/${query.mount}`, 'Docker-Content-Digest': query.mount }).send();
            }
          }
          if (query.digest !== undefined) {
            const blob = await blobs.uploadMonolithic(name, query.digest, request.raw);
            return reply.status(201).headers({ Location: `/v2/${name}/blobs/${blob.digest}`, 'Docker-Content-Digest': blob.digest }).send();
          }
          const id = await blobs.startUpload(name);
          return reply.status(202).headers({ Location: uploadLocation(name, id), Range: '0-0', 'Docker-Upload-UUID': id }).send();
        },
      },
    },
    {
      pattern: REGISTRY_PATHS.blob_upload_chunk,
      methods: {
        GET: async ({ reply, name, ref }) => {
          const size = await blobs.uploadStatus(name, ref);
          return reply.status(204).headers({ Location: uploadLocation(name, ref), Range: uploadRange(size), 'Docker-Upload-UUID': ref }).send();
        },
        PATCH: async ({ request, reply, name, ref }) => {
          const range = parseContentRange(request.headers['content-range']);
          const size = await blobs.appendChunk(name, ref, request.raw, range);
          return reply.status(202).headers({ Location: uploadLocation(name, ref), Range: uploadRange(size), 'Docker-Upload-UUID': ref }).send();
        },
        PUT: async ({ request, reply, name, ref }) => {
          const digest = queryOf(request).digest;
          if (digest === undefined) throw new BerthError('DIGEST_INVALID', 'the digest query parameter is required to complete an upload');
          const body = hasBody(request.raw) ? request.raw : undefined;
          const blob = await blobs.completeUpload(name, ref, digest, body);
          return reply.status(201).headers({ Location: `/v2/${name}/blobs/${blob.digest}`, 'Docker-Content-Digest': blob.digest }).send();
        },
        DELETE: async ({ reply, name, ref }) => {
          await blobs.cancelUpload(name, ref);
          return reply.status(204).send();
        },
      },
    },
    {
      pattern: REGISTRY_PATHS.blob,
      methods: {
        HEAD: blobHead,
        GET: blobHead,
        DELETE: async ({ reply, name, ref }) => {
          await blobs.deleteBlob(name, ref);
          return reply.status(202).send();
        },
      },
    },
    {
      pattern: REGISTRY_PATHS.manifest,
      methods: {
        HEAD: async (ctx) => manifestGet(ctx),
        GET: async (ctx) => manifestGet(ctx),
        PUT: async ({ request, reply, name, ref }) => {
          const body = await readLimited(request.raw, MAX_MANIFEST_BYTES, blobs.uploadIdleTimeoutMs);
          const result = await manifests.put(name, ref, request.headers['content-type'], body, { operator: callerName(callerOf(request)) });
          reply.headers({ Location: `/v2/${name}/manifests/${result.digest}`, 'Docker-Content-Digest': result.digest });
          if (result.subject) reply.header('OCI-Subject', result.subject);
          return reply.status(201).send();
        },
        DELETE: async ({ request, reply, name, ref }) => {
          await manifests.delete(name, ref, { operator: callerName(callerOf(request)) });
          return reply.status(202).send();
        },
      },
    },
    {
      pattern: REGISTRY_PATHS.tags,
      methods: {
        GET: async ({ request, reply, name }) => {
          const query = queryOf(request);
          const page = await tags.list(name, parsePageSize(query.n), query.last);
          if (page.more) {
            const last = page.tags[page.tags.length - 1]!;
            reply.header('Link', `</v2/${name}/tags/list?n=${page.limit}&last=${encodeURIComponent(last)}>; rel="next"`);
          }
          return reply.status(200).send({ name, tags: page.tags });
        },
      },
    },
    {
      pattern: REGISTRY_PATHS.referrers,
      methods: {
        GET: async ({ request, reply, name, ref }) => {
          const artifactType = queryOf(request).artifactType;
          const index = await manifests.referrers(name, ref, artifactType);
          if (artifactType !== undefined) reply.header('OCI-Filters-Applied', 'artifactType');
          return reply.status(200).header('Content-Type', 'application/vnd.oci.image.index.v1+json').send(Buffer.from(JSON.stringify(index)));
        },
      },
    },
  ];

  async function manifestGet({ request, reply, name, ref }: Parameters<Handler>[0]): Promise<unknown> {
    const manifest = await manifests.get(name, ref);
    reply.headers({
      'Content-Type': manifest.mediaType,
      'Docker-Content-Digest': manifest.digest,
      ETag: `"${manifest.digest}"`,
      'Content-Length': manifest.content.length,
    });
    if (request.method === 'HEAD') return reply.status(200).send();
    // Batched and written off the request path (counts, times and the pull's event): a pull makes no database write of its own.
    const audited = !(await settings.general()).pull_audit_log_disable;
    pulls.record(name, manifest.digest, ref.includes(':') ? undefined : ref, audited ? callerName(callerOf(request)) : undefined);
    return reply.status(200).send(manifest.content);
  }

  app.route({
    method: ALL_METHODS,
    url: '/v2/',
    exposeHeadRoute: false,
    handler: async (request, reply) => {
      if (request.method !== 'GET' && request.method !== 'HEAD') throw methodNotAllowed(request.method, ['GET', 'HEAD']);
      if (callerOf(request).kind === 'anonymous') throw access.challenge(request, undefined, { message: 'authentication required' });
      return reply.header('Content-Type', 'application/json').send('{}');
    },
  });

  app.route({
    method: ALL_METHODS,
    url: '/v2/*',
    exposeHeadRoute: false,
    handler: async (request, reply) => {
      const path = registryPath(request.url);
      if (path === '_catalog') {
        if (request.method !== 'GET') throw methodNotAllowed(request.method, ['GET']);
        const visibility = await access.catalogVisibility(callerOf(request));
        if (!visibility) throw access.challenge(request, 'registry:catalog:*', { message: 'authentication required' });
        const query = queryOf(request);
        const page = await repositories.catalog(visibility, parsePageSize(query.n), query.last);
        if (page.more) {
          const last = page.repositories[page.repositories.length - 1]!;
          reply.header('Link', `</v2/_catalog?n=${page.limit}&last=${encodeURIComponent(last)}>; rel="next"`);
        }
        return reply.send({ repositories: page.repositories });
      }
      for (const route of routes) {
        const match = route.pattern.exec(path);
        if (!match) continue;
        const name = match[1]!;
        requireName(name);
        const handler = route.methods[request.method];
        if (!handler) throw methodNotAllowed(request.method, Object.keys(route.methods));
        await access.require(request, callerOf(request), name, actionOf(request.method, path), route.source?.(request));
        let ref = match[2] ?? '';
        try {
          ref = decodeURIComponent(ref);
        } catch {
          throw new BerthError('NAME_INVALID', 'malformed percent-encoding in path');
        }
        return await handler({ request, reply, name, ref });
      }
      throw new BerthError('NAME_UNKNOWN', `no registry route for ${request.method} /v2/${path}`, { status: 404 });
    },
  });
}
