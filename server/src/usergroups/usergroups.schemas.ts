import { z } from 'zod';

/** Harbor's UserGroup (usergroups.routes.ts groupResponse); group_type 1 is LDAP, 3 OIDC. */
export const UserGroup = z
  .object({ id: z.int(), group_name: z.string(), group_type: z.int().meta({ description: '1: LDAP, 2: HTTP, 3: OIDC' }), ldap_group_dn: z.string() })
  .meta({ id: 'UserGroup' });

export const UserGroupSearchItem = z.object({ id: z.int(), group_name: z.string(), group_type: z.int() }).meta({ id: 'UserGroupSearchItem' });
