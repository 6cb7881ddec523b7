import { z } from 'zod';

const Access = z.object({ resource: z.string(), action: z.string(), effect: z.string() }).meta({ id: 'Access' });

export const RobotPermission = z.object({ kind: z.enum(['system', 'project']), namespace: z.string(), access: z.array(Access) }).meta({ id: 'RobotPermission' });

/** Harbor's Robot (robots.routes.ts robotResponse); never its secret. */
export const Robot = z
  .object({
    id: z.int(),
    name: z.string(),
    description: z.string(),
    level: z.enum(['system', 'project']),
    duration: z.int().meta({ description: 'days; -1 never expires' }),
    editable: z.boolean(),
    disable: z.boolean(),
    expires_at: z.int().meta({ description: 'Unix seconds; -1 never' }),
    permissions: z.array(RobotPermission),
    creator_type: z.string(),
    creator_ref: z.int(),
    creation_time: z.iso.datetime(),
    update_time: z.iso.datetime(),
  })
  .meta({ id: 'Robot' });

export const RobotCreated = z
  .object({ id: z.int(), name: z.string(), secret: z.string(), creation_time: z.iso.datetime(), expires_at: z.int() })
  .meta({ id: 'RobotCreated' });

export const RobotSec = z.object({ secret: z.string() }).meta({ id: 'RobotSec' });

const Permission = z.object({ resource: z.string(), action: z.string() }).meta({ id: 'Permission' });

/** What robots may be granted: system permissions only for those who may create system robots. */
export const Permissions = z.object({ system: z.array(Permission), project: z.array(Permission) }).meta({ id: 'Permissions' });
