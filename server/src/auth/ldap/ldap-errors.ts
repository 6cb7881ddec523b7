import { IdentitySourceError } from '../identity-source-error.ts';

/** Why an LDAP operation failed (see IdentitySourceError). */
export abstract class LdapError extends IdentitySourceError {}

/** No answer: connection refused, DNS, TLS (e.g. an untrusted certificate), or a timeout. */
export class LdapUnreachableError extends LdapError {
  readonly status = 503;
}

/** The directory answered but refused Berth itself: the search DN's bind, or an operation it does not allow. */
export class LdapDirectoryError extends LdapError {
  readonly status = 503;
}

/** No such user, a wrong password, or an empty one. */
export class LdapBadCredentialsError extends LdapError {
  readonly status = 401;

  constructor(message = 'invalid username or password', options?: ErrorOptions) {
    super(message, options);
  }
}

/** The username matches several entries (ldap_uid is not unique under the base DN): refused rather than guessed. */
export class LdapAmbiguousUserError extends LdapError {
  readonly status = 401;
}
