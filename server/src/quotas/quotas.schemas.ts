import { z } from 'zod';

/** Harbor's ResourceList: Berth has one resource, storage in bytes (-1: unlimited). */
export const ResourceList = z.object({ storage: z.int() }).meta({ id: 'ResourceList' });

/** Harbor's Quota (quotas.routes.ts quotaResponse); ref names the project. */
export const Quota = z
  .object({
    id: z.int(),
    ref: z.object({ id: z.int(), name: z.string(), owner_name: z.string() }),
    hard: ResourceList,
    used: ResourceList,
    creation_time: z.iso.datetime(),
    update_time: z.iso.datetime(),
  })
  .meta({ id: 'Quota' });
