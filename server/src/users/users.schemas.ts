import { z } from 'zod';

/** Harbor's UserResp as Berth answers it (users.routes.ts userResponse / currentUserResponse). */
export const UserResp = z
  .object({
    user_id: z.int(),
    username: z.string(),
    email: z.string(),
    realname: z.string(),
    comment: z.string(),
    sysadmin_flag: z.boolean(),
    admin_role_in_auth: z.boolean(),
    oidc_user_meta: z
      .object({
        user_id: z.int(),
        subiss: z.string(),
        creation_time: z.iso.datetime(),
        update_time: z.iso.datetime(),
      })
      .meta({ id: 'OIDCUserInfo' })
      .optional(),
    creation_time: z.iso.datetime(),
    update_time: z.iso.datetime(),
  })
  .meta({ id: 'UserResp' });

export const UserSearchRespItem = z.object({ user_id: z.int(), username: z.string() }).meta({ id: 'UserSearchRespItem' });

/** PUT /users/{id}/cli_secret: Berth's addition — the secret it generated when the request named none, shown this once. */
export const GeneratedCliSecret = z.object({ secret: z.string() });
