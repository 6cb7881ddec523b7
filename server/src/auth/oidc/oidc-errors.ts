import * as client from 'openid-client';
import { errors as jose } from 'jose';
import { IdentitySourceError } from '../identity-source-error.ts';

/** Why an OIDC step failed (see IdentitySourceError). */
export abstract class OidcError extends IdentitySourceError {}

/**
 * The provider could not be reached, timed out, or answered in a way that
 * means Berth's OIDC settings (endpoint, client, secret, certificate) are
 * wrong. Nothing the user did; an administrator has to look.
 */
export class OidcUnavailableError extends OidcError {
  readonly status = 503;
}

/**
 * The provider refused this login or token, or what it sent failed Berth's
 * checks (state, nonce, issuer, audience, expiry, signature, a used code).
 */
export class OidcRejectedError extends OidcError {
  readonly status = 401;
}

/** OAuth error codes that say the client is set up wrongly, or the provider is down, rather than that this login is bad. */
const PROVIDER_SIDE_ERRORS = new Set([
  'invalid_client',
  'unauthorized_client',
  'unsupported_grant_type',
  'unsupported_response_type',
  'invalid_scope',
  'server_error',
  'temporarily_unavailable',
]);

/** openid-client codes for transport failures and responses that are not OAuth at all. */
const TRANSPORT_CODES = new Set([
  'OAUTH_TIMEOUT',
  'OAUTH_ABORT',
  'OAUTH_RESPONSE_IS_NOT_CONFORM',
  'OAUTH_RESPONSE_IS_NOT_JSON',
  'OAUTH_HTTP_REQUEST_FORBIDDEN',
  'OAUTH_REQUEST_PROTOCOL_FORBIDDEN',
  'OAUTH_MISSING_SERVER_METADATA',
  'OAUTH_INVALID_SERVER_METADATA',
  'OAUTH_UNSUPPORTED_OPERATION',
]);

/** jose failures that are about the token itself; any other (JWKS fetch, timeout) is the provider's side. */
const TOKEN_FAULTS = [
  jose.JWTClaimValidationFailed,
  jose.JWTExpired,
  jose.JWTInvalid,
  jose.JWSInvalid,
  jose.JWSSignatureVerificationFailed,
  jose.JWKSNoMatchingKey,
  jose.JOSEAlgNotAllowed,
  jose.JOSENotSupported,
];

/**
 * Sorts an error thrown by openid-client or jose into the two kinds callers
 * act on differently. Argument errors are bugs in Berth and are rethrown as
 * they are.
 */
export function toOidcError(err: unknown, action: string): OidcError {
  if (err instanceof OidcError) return err;
  if (err instanceof client.ResponseBodyError || err instanceof client.AuthorizationResponseError || err instanceof client.WWWAuthenticateChallengeError) {
    // A 401 from the token endpoint (a wrong client secret) comes as a WWW-Authenticate challenge rather than a body.
    const { error = 'unauthorized', error_description } = err instanceof client.WWWAuthenticateChallengeError ? (err.cause[0]?.parameters ?? {}) : err;
    const reason = `${action}: ${error}${error_description ? ` (${error_description})` : ''}`;
    const providerSide = PROVIDER_SIDE_ERRORS.has(error) || ('status' in err && err.status >= 500);
    return providerSide ? new OidcUnavailableError(reason, { cause: err }) : new OidcRejectedError(reason, { cause: err });
  }
  if (err instanceof TypeError && String((err as { code?: unknown }).code).startsWith('ERR_INVALID_ARG')) throw err;
  const providerSide =
    // fetch() failing to connect (refused, DNS, TLS) surfaces as a bare TypeError with the reason in `cause`.
    err instanceof TypeError ||
    (err instanceof client.ClientError && (err.code === undefined || TRANSPORT_CODES.has(err.code))) ||
    (err instanceof jose.JOSEError && !TOKEN_FAULTS.some((fault) => err instanceof fault));
  return providerSide ? providerUnavailable(err, action) : new OidcRejectedError(`${action}: ${describe(err)}`, { cause: err });
}

/** For steps where any failure is the provider's side, such as discovery. */
export function providerUnavailable(err: unknown, action: string): OidcUnavailableError {
  return new OidcUnavailableError(`${action}: ${describe(err)}`, { cause: err });
}

/** The message plus the innermost cause, which is where "connect ECONNREFUSED" or "self-signed certificate" ends up. */
function describe(err: unknown): string {
  const message = err instanceof Error ? err.message : String(err);
  let cause = err instanceof Error ? err.cause : undefined;
  while (cause instanceof Error && cause.cause instanceof Error) cause = cause.cause;
  return cause instanceof Error && cause.message !== message ? `${message} (${cause.message})` : message;
}
