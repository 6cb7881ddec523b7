import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { ConfigError, loadConfig } from '../config/config.ts';
import { otlpUrl } from './tracing.ts';

const traceConfig = (env: Record<string, string>) => loadConfig({ env, cwd: '/nonexistent' }).trace;

describe('trace configuration (harbor.yml trace block)', () => {
  it('is off by default, sampling everything once on', () => {
    const trace = traceConfig({});
    assert.equal(trace.enabled, false);
    assert.equal(trace.sample_rate, 1);
    assert.equal(trace.otel.url_path, '/v1/traces');
  });

  it("takes Harbor's host:port endpoint (https unless insecure) or a URL, with url_path", () => {
    assert.equal(otlpUrl(traceConfig({ BERTH_TRACE_OTEL_ENDPOINT: 'collector:4318' }).otel), 'https://collector:4318/v1/traces');
    assert.equal(otlpUrl(traceConfig({ BERTH_TRACE_OTEL_ENDPOINT: 'collector:4318', BERTH_TRACE_OTEL_INSECURE: 'true' }).otel), 'http://collector:4318/v1/traces');
    assert.equal(otlpUrl(traceConfig({ BERTH_TRACE_OTEL_ENDPOINT: 'http://10.0.0.5:4318', BERTH_TRACE_OTEL_URL_PATH: '/otlp/v1/traces' }).otel), 'http://10.0.0.5:4318/otlp/v1/traces');
  });

  it('refuses tracing without an endpoint, and a sample rate outside 0–1', () => {
    assert.throws(() => traceConfig({ BERTH_TRACE_ENABLED: 'true' }), (error: unknown) => error instanceof ConfigError && /trace\.otel\.endpoint/.test(error.message));
    assert.throws(() => traceConfig({ BERTH_TRACE_ENABLED: 'true', BERTH_TRACE_OTEL_ENDPOINT: 'c:4318', BERTH_TRACE_SAMPLE_RATE: '1.5' }), ConfigError);
    assert.equal(traceConfig({ BERTH_TRACE_ENABLED: 'true', BERTH_TRACE_OTEL_ENDPOINT: 'c:4318', BERTH_TRACE_SAMPLE_RATE: '0.25' }).sample_rate, 0.25);
  });
});
