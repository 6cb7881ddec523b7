import { z } from 'zod';

/** One entry of Harbor's ConfigurationsResponse; structured values travel as JSON strings. */
const ConfigItem = z.object({ value: z.union([z.string(), z.number(), z.boolean()]), editable: z.boolean() }).meta({ id: 'ConfigItem' });

/** Every known key but the secrets, which are never returned. */
export const ConfigurationsResponse = z.record(z.string(), ConfigItem).meta({ id: 'ConfigurationsResponse' });

/** The request of PUT /configurations: known keys only, each checked against its rule in configurations.service.ts. */
export const Configurations = z.record(z.string(), z.unknown()).meta({ id: 'Configurations' });

/** Harbor's GeneralInfo: anonymous callers get the first four fields (and the OIDC provider's name). */
export const GeneralInfo = z
  .object({
    auth_mode: z.string(),
    primary_auth_mode: z.boolean(),
    self_registration: z.boolean(),
    current_time: z.iso.datetime(),
    oidc_provider_name: z.string().optional(),
    harbor_version: z.string().optional(),
    project_creation_restriction: z.string().optional(),
    has_ca_root: z.boolean().optional(),
    read_only: z.boolean().optional(),
    notification_enable: z.boolean().optional(),
    registry_storage_provider_name: z.string().optional(),
    external_url: z.string().optional(),
    registry_url: z.string().optional(),
  })
  .meta({ id: 'GeneralInfo' });
