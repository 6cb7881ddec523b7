import { z } from 'zod';
import { ErrorsSchema } from '../http/openapi.ts';

/** Harbor's OverallHealthStatus with the components Berth has (database, storage, jobservice). */
export const OverallHealthStatus = z
  .object({
    status: z.enum(['healthy', 'unhealthy']),
    components: z.array(
      z.object({ name: z.string(), status: z.enum(['healthy', 'unhealthy']), error: z.string().optional().meta({ description: 'an error code, never an address or path' }) }).meta({ id: 'ComponentHealthStatus' }),
    ),
  })
  .meta({ id: 'OverallHealthStatus' });

/** An unhealthy answer: 503 in the error envelope, with Harbor's status and components beside it, so probes understand it. */
export const UnhealthyStatus = OverallHealthStatus.extend({ errors: ErrorsSchema.shape.errors }).meta({ id: 'UnhealthyStatus' });

/** Harbor's SystemInfo: the volume holding the filesystem storage root. */
export const SystemInfo = z.object({ storage: z.array(z.object({ total: z.int(), free: z.int() }).meta({ id: 'Storage' })) }).meta({ id: 'SystemInfo' });
