/** The OCI names the registry accepts, checked before the server does so a form can say what is wrong. */

/** A tag: up to 128 letters, digits, _ . -, not starting with . or -. */
export const TAG = /^[a-zA-Z0-9_][a-zA-Z0-9._-]{0,127}$/;

/** A repository name inside its project: lower-case components separated by / (OCI distribution's grammar). */
const COMPONENT = '[a-z0-9]+(?:(?:\\.|_|__|-+)[a-z0-9]+)*';
export const REPOSITORY_NAME = new RegExp(`^${COMPONENT}(?:/${COMPONENT})*$`);
