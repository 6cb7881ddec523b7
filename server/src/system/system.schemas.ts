import { z } from 'zod';

/** Harbor's OverallHealthStatus with the components Berth has (database, storage). */
export const OverallHealthStatus = z
  .object({
    status: z.enum(['healthy', 'unhealthy']),
    components: z.array(
      z.object({ name: z.string(), status: z.enum(['healthy', 'unhealthy']), error: z.string().optional().meta({ description: 'an error code, never an address or path' }) }).meta({ id: 'ComponentHealthStatus' }),
    ),
  })
  .meta({ id: 'OverallHealthStatus' });

/** Harbor's SystemInfo: the volume holding the filesystem storage root. */
export const SystemInfo = z.object({ storage: z.array(z.object({ total: z.int(), free: z.int() }).meta({ id: 'Storage' })) }).meta({ id: 'SystemInfo' });
