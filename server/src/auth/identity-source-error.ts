/**
 * Why an identity source (LDAP, OIDC) failed, split by whose fault it is:
 * `status` is what an HTTP caller should answer (401: the user's credentials
 * or login; 503: the source itself or Berth's settings for it). Messages are
 * for logs and administrators, never for telling a client which part of a
 * login was wrong.
 */
export abstract class IdentitySourceError extends Error {
  abstract readonly status: 401 | 503;

  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = new.target.name;
  }
}
