/**
 * Every error code Berth answers with, and its HTTP status. One handler
 * (http/error-handler.plugin.ts) turns a thrown BerthError into
 * {"errors":[{"code","message","detail"?}]}, the envelope OCI and Harbor share.
 */
export const ERROR_CODES = {
  // OCI Distribution Spec codes (/v2)
  BLOB_UNKNOWN: 404,
  BLOB_UPLOAD_INVALID: 400,
  BLOB_UPLOAD_UNKNOWN: 404,
  DIGEST_INVALID: 400,
  MANIFEST_BLOB_UNKNOWN: 400,
  MANIFEST_INVALID: 400,
  MANIFEST_UNKNOWN: 404,
  NAME_INVALID: 400,
  NAME_UNKNOWN: 404,
  SIZE_INVALID: 400,
  UNAUTHORIZED: 401,
  DENIED: 403,
  UNSUPPORTED: 405,
  TOOMANYREQUESTS: 429,
  /** distribution's code for 503: the registry cannot serve now (its database is down); retry. */
  UNAVAILABLE: 503,
  // Not in the spec's table, but what distribution answers for these cases.
  RANGE_INVALID: 416,
  MANIFEST_TOO_LARGE: 413,
  // Either API: storage (or the database's disk) is full; nothing was written, retry once space is freed.
  INSUFFICIENT_STORAGE: 507,
  // Harbor API codes (/api/v2.0)
  BAD_REQUEST: 400,
  FORBIDDEN: 403,
  NOT_FOUND: 404,
  METHOD_NOT_ALLOWED: 405,
  CONFLICT: 409,
  PRECONDITION: 412,
  UNSUPPORTED_MEDIA_TYPE: 415,
  /** Harbor's answer to a body its swagger refuses (an enum value it does not list). */
  UNPROCESSABLE_ENTITY: 422,
  INTERNAL_SERVER_ERROR: 500,
  /** An external service an administrator configured (OIDC provider, LDAP server) or the database is down or misconfigured. */
  SERVICE_UNAVAILABLE: 503,
} as const;

export type ErrorCode = keyof typeof ERROR_CODES;

export class BerthError extends Error {
  readonly code: ErrorCode;
  readonly status: number;
  readonly detail: unknown;
  readonly headers: Record<string, string>;

  constructor(code: ErrorCode, message: string, options: { detail?: unknown; status?: number; headers?: Record<string, string> } = {}) {
    super(message);
    this.name = 'BerthError';
    this.code = code;
    this.status = options.status ?? ERROR_CODES[code];
    this.detail = options.detail;
    this.headers = options.headers ?? {};
  }
}
