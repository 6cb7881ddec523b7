/**
 * The /v2 routes by distribution's route names (the `handler` label of its
 * registry_http_* metrics, `-` as `_`), and the path pattern of each, in the
 * order the dispatcher tries them: the last `/blobs/`, `/manifests/`…
 * segment wins, as in distribution, since repository names contain slashes.
 */
export const REGISTRY_PATHS = {
  blob_upload: /^(.+)\/blobs\/uploads\/?$/,
  blob_upload_chunk: /^(.+)\/blobs\/uploads\/([^/]+)$/,
  blob: /^(.+)\/blobs\/([^/]+)$/,
  manifest: /^(.+)\/manifests\/([^/]+)$/,
  tags: /^(.+)\/tags\/list$/,
  referrers: /^(.+)\/referrers\/([^/]+)$/,
} as const;

export type RegistryRoute = keyof typeof REGISTRY_PATHS | 'base' | 'catalog';

/** The part of a /v2 request URL after /v2/, without the query. */
export function registryPath(url: string): string {
  const query = url.indexOf('?');
  return (query < 0 ? url : url.slice(0, query)).slice('/v2/'.length);
}

/** Which /v2 route a request URL is for; undefined outside /v2 or for a path no route serves. */
export function registryRouteOf(url: string): RegistryRoute | undefined {
  if (!url.startsWith('/v2/')) return undefined;
  const path = registryPath(url);
  if (path === '') return 'base';
  if (path === '_catalog') return 'catalog';
  for (const [route, pattern] of Object.entries(REGISTRY_PATHS)) if (pattern.test(path)) return route as RegistryRoute;
  return undefined;
}
