/**
 * Why an LDAP operation failed, split by whose fault it is: `status` is what
 * an HTTP caller should answer (401: the user's credentials; 503: the
 * directory or Berth's LDAP settings). Messages are for logs: a login
 * endpoint should not tell a client whether the user or the password was
 * wrong.
 */
export abstract class LdapError extends Error {
  abstract readonly status: 401 | 503;
}

/** No answer: connection refused, DNS, TLS (e.g. an untrusted certificate), or a timeout. */
export class LdapUnreachableError extends LdapError {
  readonly status = 503;

  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'LdapUnreachableError';
  }
}

/** The directory answered but refused Berth itself: the search DN's bind, or an operation it does not allow. */
export class LdapDirectoryError extends LdapError {
  readonly status = 503;

  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'LdapDirectoryError';
  }
}

/** No such user, a wrong password, or an empty one. */
export class LdapBadCredentialsError extends LdapError {
  readonly status = 401;

  constructor(message = 'invalid username or password', options?: ErrorOptions) {
    super(message, options);
    this.name = 'LdapBadCredentialsError';
  }
}

/** The username matches several entries (ldap_uid is not unique under the base DN): refused rather than guessed. */
export class LdapAmbiguousUserError extends LdapError {
  readonly status = 401;

  constructor(message: string) {
    super(message);
    this.name = 'LdapAmbiguousUserError';
  }
}
