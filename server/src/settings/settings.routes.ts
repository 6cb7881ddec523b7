import type { FastifyInstance } from 'fastify';
import { requireSysadmin } from '../auth/api-auth.plugin.ts';
import type { BerthConfig } from '../config/config.ts';
import { BERTH_VERSION } from '../version.ts';
import type { ConfigurationsService } from './configurations.service.ts';
import type { SettingsService } from './settings.service.ts';

/** /configurations (system administrators) and /systeminfo (everyone, more for signed-in callers). */
export async function settingsRoutes(app: FastifyInstance, opts: { configurations: ConfigurationsService; settings: SettingsService; config: BerthConfig }): Promise<void> {
  const { configurations, settings, config } = opts;

  app.get('/configurations', async (request) => {
    requireSysadmin(request);
    return await configurations.view();
  });

  app.put('/configurations', async (request, reply) => {
    const actor = requireSysadmin(request);
    await configurations.update(actor, request.body);
    return reply.status(200).send();
  });

  /**
   * Harbor's GeneralInfo. Anonymous callers get what a login page needs;
   * the version, URLs and policies only signed-in ones, so the server cannot
   * be fingerprinted from outside.
   */
  app.get('/systeminfo', async (request) => {
    const { general, raw } = await settings.get();
    const info: Record<string, unknown> = {
      auth_mode: general.auth_mode,
      primary_auth_mode: general.primary_auth_mode,
      self_registration: general.self_registration,
      current_time: new Date().toISOString(),
    };
    if (general.auth_mode === 'oidc_auth' && typeof raw.oidc_name === 'string') info.oidc_provider_name = raw.oidc_name;
    if (!request.principal) return info;
    return {
      ...info,
      harbor_version: BERTH_VERSION,
      project_creation_restriction: general.project_creation_restriction,
      has_ca_root: false,
      read_only: false,
      notification_enable: false,
      registry_storage_provider_name: config.storage_service.s3 ? 's3' : 'filesystem',
      ...(config.external_url && { external_url: config.external_url, registry_url: new URL(config.external_url).host }),
    };
  });
}
