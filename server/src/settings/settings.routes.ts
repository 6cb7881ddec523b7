import type { FastifyInstance } from 'fastify';
import { requireSysadmin } from '../auth/api-auth.plugin.ts';
import type { BerthConfig } from '../config/config.ts';
import { externalBaseUrl } from '../http/external-url.ts';
import { BERTH_VERSION } from '../version.ts';
import type { ConfigurationsService } from './configurations.service.ts';
import type { SettingsService } from './settings.service.ts';
import { errors, NO_BODY } from '../http/openapi.ts';
import { Configurations, ConfigurationsResponse, GeneralInfo } from './settings.schemas.ts';

/** /configurations (system administrators) and /systeminfo (everyone, more for signed-in callers). */
export async function settingsRoutes(
  app: FastifyInstance,
  opts: { configurations: ConfigurationsService; settings: SettingsService; config: BerthConfig; hasCaRoot: boolean },
): Promise<void> {
  const { configurations, settings, config, hasCaRoot } = opts;

  app.get('/configurations', { schema: { response: { 200: ConfigurationsResponse, ...errors(401, 403) } } }, async (request) => {
    requireSysadmin(request);
    return await configurations.view();
  });

  app.put('/configurations', { schema: { body: Configurations, response: { 200: NO_BODY, ...errors(400, 401, 403, 503) } } }, async (request, reply) => {
    const actor = requireSysadmin(request);
    await configurations.update(actor, request.body);
    return reply.status(200).send();
  });

  /**
   * Harbor's GeneralInfo. Anonymous callers get what a login page needs;
   * the version, URLs and policies only signed-in ones, so the server cannot
   * be fingerprinted from outside.
   */
  app.get('/systeminfo', { schema: { response: { 200: GeneralInfo, ...errors(401) } } }, async (request) => {
    const { general, raw } = await settings.get();
    const info: Record<string, unknown> = {
      auth_mode: general.auth_mode,
      primary_auth_mode: general.primary_auth_mode,
      self_registration: general.self_registration,
      current_time: new Date().toISOString(),
    };
    if (general.auth_mode === 'oidc_auth' && typeof raw.oidc_name === 'string') info.oidc_provider_name = raw.oidc_name;
    if (!request.principal) return info;
    // Without external_url configured, the address this caller reached Berth under, as the token realm uses.
    const externalUrl = externalBaseUrl(request, config.external_url);
    return {
      ...info,
      harbor_version: BERTH_VERSION,
      project_creation_restriction: general.project_creation_restriction,
      // /systeminfo/getcert has the HTTPS certificate chain to hand out.
      has_ca_root: hasCaRoot,
      read_only: false,
      notification_enable: false,
      registry_storage_provider_name: config.storage_service.s3 ? 's3' : 'filesystem',
      external_url: externalUrl,
      registry_url: new URL(externalUrl).host,
    };
  });
}
