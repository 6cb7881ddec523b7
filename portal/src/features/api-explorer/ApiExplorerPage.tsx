import { useEffect, useRef } from 'react';
import { useTranslation } from 'react-i18next';
import SwaggerUI from 'swagger-ui-dist/swagger-ui-es-bundle.js';
import 'swagger-ui-dist/swagger-ui.css';
import { csrfHeader } from '../../api/client.ts';
import { usePageTitle } from '../../shared/usePageTitle.ts';

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

/**
 * Harbor's API explorer (/devcenter-api-2.0): Berth's own API document
 * (/swagger.json, generated from its route schemas) in Swagger UI, whose
 * requests run as the signed-in user with the session's CSRF token. Its own
 * chunk, loaded only here: Swagger UI is larger than the rest of the portal.
 */
export default function ApiExplorerPage() {
  const { t } = useTranslation();
  usePageTitle(t('apiExplorer.title'));
  const container = useRef<HTMLDivElement>(null);
  useEffect(() => {
    if (!container.current) return;
    SwaggerUI({
      domNode: container.current,
      url: '/swagger.json',
      requestInterceptor: async (request) => {
        request.credentials = 'same-origin';
        // The document's own fetch names no method: a GET.
        if (!SAFE_METHODS.has((request.method ?? 'GET').toUpperCase())) Object.assign(request.headers, await csrfHeader());
        return request;
      },
    });
  }, []);
  return <div ref={container} aria-label={t('apiExplorer.title')} style={{ background: '#fff', borderRadius: 8 }} />;
}
