import { z } from 'zod';
import { EVENT_TYPES, eventTypeList } from '../audit/audit-log.ts';

/** A storage quota in bytes as Harbor accepts it: -1 for unlimited or a positive number (never 0). */
export const storageLimitSchema = z
  .number()
  .int()
  .max(Number.MAX_SAFE_INTEGER)
  .refine((value) => value === -1 || value > 0, 'must be -1 (unlimited) or a positive number of bytes');

/**
 * The settings an administrator changes at run time through
 * /api/v2.0/configurations, under Harbor's key names and with Harbor's
 * defaults except where Berth deliberately differs (said per key). They live
 * in PostgreSQL so every replica sees the same values. LDAP and OIDC keys are
 * validated as a group by their own schemas (auth/ldap, auth/oidc) when their
 * auth_mode is chosen.
 */
export const generalSettingsSchema = z.object({
  /** The external directory in use besides local users: none (db_auth), LDAP or OIDC. */
  auth_mode: z.enum(['db_auth', 'ldap_auth', 'oidc_auth']).default('db_auth'),
  /**
   * Not in Harbor: whether local (database) users may still log in when
   * auth_mode is LDAP or OIDC. Harbor allows exactly one mode; Berth lets the
   * administrator keep both. The first admin can always log in.
   */
  local_users_enabled: z.boolean().default(true),
  primary_auth_mode: z.boolean().default(false),
  self_registration: z.boolean().default(false),
  project_creation_restriction: z.enum(['everyone', 'adminonly']).default('everyone'),
  /** Minutes a registry token is valid. */
  token_expiration: z.number().int().min(1).max(24 * 60).default(30),
  /** Default lifetime of robot accounts, in days. */
  robot_token_duration: z.number().int().min(1).max(36_500).default(30),
  /**
   * Harbor's default is "robot$", which every shell expands; Berth's default
   * is "robot_" — shell-safe — and local user names may not start with the
   * configured prefix, so a robot can never be mistaken for a user.
   */
  robot_name_prefix: z
    .string()
    .min(1)
    .max(32)
    .regex(/^[A-Za-z0-9_.$+-]+$/, 'may contain letters, digits and _ . $ + -')
    .default('robot_'),
  /** Minutes a portal session lives without use. */
  session_timeout: z.number().int().min(1).max(7 * 24 * 60).default(60),
  /** Event types not recorded in the audit log, separated by commas (GET /auditlog-exts/events lists them). */
  disabled_audit_log_event_types: z
    .string()
    .max(4096)
    .refine((value) => eventTypeList(value).every((type) => (EVENT_TYPES as readonly string[]).includes(type)), {
      message: `expected event types separated by commas, among: ${EVENT_TYPES.join(', ')}`,
    })
    .default(''),
  /** Whether project quotas are enforced; usage is kept up to date either way, so turning it on is exact at once. */
  quota_per_project_enable: z.boolean().default(true),
  /** The hard limit, in bytes, new projects get unless a system administrator gives one; -1 is unlimited. */
  storage_per_project: storageLimitSchema.default(-1),
  pull_audit_log_disable: z.boolean().default(false),
  /** Harbor's switches for the pull statistics Berth batches off the pull path (registry/pull-recorder.ts). */
  pull_time_update_disable: z.boolean().default(false),
  pull_count_update_disable: z.boolean().default(false),
  /** Harbor's repository read-only switch: every content write is refused while on (content/read-only.ts); `berth restore` turns it on. */
  read_only: z.boolean().default(false),
});

export type GeneralSettings = z.output<typeof generalSettingsSchema>;
