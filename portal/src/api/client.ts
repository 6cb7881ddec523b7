/**
 * The portal's only way to the server. It reaches nothing but Berth's public
 * endpoints (/api/v2.0 and /c), so everything the portal does can be done
 * with the API. Cookies carry the session; the CSRF token the server sends
 * on every answer to a session request is echoed on every unsafe request.
 */

const API_PREFIXES = ['/api/v2.0/', '/c/'];
const CSRF_HEADER = 'X-Harbor-CSRF-Token';
const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

let csrfToken: string | undefined;
/**
 * Counts sign-outs. A request sent before the latest sign-out that comes back
 * 401 was refused because of it, not because a session expired: it must not
 * send the person to sign-in with a way back to the page they just left.
 */
let signOuts = 0;

/** An answer other than 2xx, with the server's own message (Harbor's {"errors":[{code,message}]}). */
export class ApiError extends Error {
  readonly status: number;
  readonly code: string;
  constructor(status: number, code: string, message: string) {
    super(message);
    this.name = 'ApiError';
    this.status = status;
    this.code = code;
  }
}

type UnauthorizedHandler = () => void;
let onUnauthorized: UnauthorizedHandler = () => {
  window.location.assign(signInPath(currentLocation()));
};

/** The app replaces the default full-page redirect with a router navigation. */
export function setUnauthorizedHandler(handler: UnauthorizedHandler): void {
  onUnauthorized = handler;
}

export function currentLocation(): string {
  return `${window.location.pathname}${window.location.search}`;
}

/**
 * A redirect target only if it stays on this origin: a path, never
 * "//host", "/\host", a scheme, or the sign-in page itself.
 */
export function localRedirect(target: string | null | undefined, origin = window.location.origin): string {
  if (!target || !target.startsWith('/') || target.startsWith('//') || target.startsWith('/\\')) return '/';
  try {
    const url = new URL(target, origin);
    // A path that normalises to "//host" ("/.//host") would itself leave the site when followed.
    if (url.origin !== origin || url.pathname.startsWith('//') || url.pathname.startsWith('/sign-in')) return '/';
    return `${url.pathname}${url.search}${url.hash}`;
  } catch {
    return '/';
  }
}

export function signInPath(back: string): string {
  const target = localRedirect(back);
  return target === '/' ? '/sign-in' : `/sign-in?redirect=${encodeURIComponent(target)}`;
}

export interface RequestOptions {
  query?: Record<string, string | number | boolean | undefined>;
  json?: unknown;
  form?: Record<string, string>;
  /** Leave a 401 to the caller (the sign-in form shows it instead of redirecting). */
  allowUnauthorized?: boolean;
  /** Read the body as text, not JSON. */
  text?: boolean;
}

export interface ApiResponse<T> {
  data: T;
  headers: Headers;
}

function buildUrl(path: string, query: RequestOptions['query']): string {
  if (!API_PREFIXES.some((prefix) => path.startsWith(prefix))) throw new Error(`the portal only talks to /api/v2.0 and /c: ${path}`);
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(query ?? {})) if (value !== undefined && value !== '') params.set(key, String(value));
  const search = params.toString();
  return search ? `${path}?${search}` : path;
}

async function errorOf(response: Response): Promise<ApiError> {
  let code = 'UNKNOWN';
  let message = response.statusText || `HTTP ${response.status}`;
  try {
    const body = (await response.json()) as { errors?: { code?: string; message?: string }[] };
    const first = body.errors?.[0];
    if (first?.code) code = first.code;
    if (first?.message) message = first.message;
  } catch {
    // Not Harbor's envelope (a proxy's page, say): the status text is all there is.
  }
  return new ApiError(response.status, code, message);
}

/** Learns the CSRF token before the first change after a reload: any session request returns it. */
async function ensureCsrfToken(): Promise<void> {
  if (csrfToken) return;
  const response = await fetch('/api/v2.0/users/current', { credentials: 'same-origin', headers: { accept: 'application/json' } });
  csrfToken = response.headers.get(CSRF_HEADER) ?? undefined;
}

/** The CSRF header for a change sent outside this client (the API explorer's requests). */
export async function csrfHeader(): Promise<Record<string, string>> {
  await ensureCsrfToken();
  return csrfToken ? { [CSRF_HEADER]: csrfToken } : {};
}

export async function request<T>(method: string, path: string, options: RequestOptions = {}): Promise<ApiResponse<T>> {
  const url = buildUrl(path, options.query);
  const headers: Record<string, string> = { accept: options.text ? 'text/plain, */*' : 'application/json' };
  let body: string | undefined;
  if (options.json !== undefined) {
    headers['content-type'] = 'application/json';
    body = JSON.stringify(options.json);
  } else if (options.form) {
    headers['content-type'] = 'application/x-www-form-urlencoded';
    body = new URLSearchParams(options.form).toString();
  }
  if (!SAFE_METHODS.has(method)) {
    if (!path.startsWith('/c/')) await ensureCsrfToken();
    if (csrfToken) headers[CSRF_HEADER] = csrfToken;
  }
  const sentAfter = signOuts;
  const response = await fetch(url, { method, headers, body, credentials: 'same-origin' });
  const token = response.headers.get(CSRF_HEADER);
  const current = sentAfter === signOuts;
  if (token && current) csrfToken = token;
  if (response.status === 401 && !options.allowUnauthorized && current) {
    csrfToken = undefined;
    onUnauthorized();
  }
  if (!response.ok) throw await errorOf(response);
  const text = await response.text();
  const data = (options.text ? text : text === '' ? undefined : JSON.parse(text)) as T;
  return { data, headers: response.headers };
}

export const api = {
  get: async <T>(path: string, options?: RequestOptions) => (await request<T>('GET', path, options)).data,
  post: async <T = void>(path: string, json?: unknown) => (await request<T>('POST', path, { json })).data,
  put: async <T = void>(path: string, json?: unknown) => (await request<T>('PUT', path, { json })).data,
  patch: async <T = void>(path: string, json?: unknown) => (await request<T>('PATCH', path, { json })).data,
  delete: async (path: string) => {
    await request<void>('DELETE', path);
  },
};

/** One page of a Harbor list: the rows and X-Total-Count. */
export interface Page<T> {
  items: T[];
  total: number;
}

export async function getPage<T>(path: string, query: RequestOptions['query']): Promise<Page<T>> {
  const { data, headers } = await request<T[]>('GET', path, { query });
  return { items: data ?? [], total: Number(headers.get('X-Total-Count') ?? data?.length ?? 0) };
}

/** Signs out of the server and forgets the token. */
export async function signOut(): Promise<void> {
  signOuts += 1;
  await request('GET', '/c/log_out', { allowUnauthorized: true });
  csrfToken = undefined;
}

/** POST /c/login with the form fields Harbor's portal sends; LDAP users sign in the same way. */
export async function signIn(principal: string, password: string): Promise<void> {
  await request('POST', '/c/login', { form: { principal, password }, allowUnauthorized: true });
}

/** Harbor double-encodes the slashes of repository names in API paths. */
export function repoPath(repositoryName: string): string {
  return encodeURIComponent(encodeURIComponent(repositoryName));
}
