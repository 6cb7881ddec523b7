import type { AuthSource } from '../db/schema.ts';

/** A person: a local, LDAP or OIDC user. groupIds are the user groups they belong to (LDAP/OIDC). */
export interface UserPrincipal {
  kind: 'user';
  userId: string;
  username: string;
  sysadmin: boolean;
  authSource: AuthSource;
  groupIds: readonly string[];
}

/** A robot account. Its permissions are looked up per project (see access/access.service.ts). */
export interface RobotPrincipal {
  kind: 'robot';
  robotId: string;
  /** The full login name, prefix included. */
  username: string;
  sysadmin: false;
  level: 'system' | 'project';
  projectId: string | null;
  /** When its login stops working (null: never); a cached verification must not outlive it. */
  expiresAt: Date | null;
}

/** Whoever made a request, once authenticated. Anonymous callers have none. */
export type Principal = UserPrincipal | RobotPrincipal;
