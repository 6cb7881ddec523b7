import { trace, SpanKind, SpanStatusCode, type Tracer } from '@opentelemetry/api';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { BatchSpanProcessor, NodeTracerProvider, ParentBasedSampler, TraceIdRatioBasedSampler, type SpanExporter } from '@opentelemetry/sdk-trace-node';
import type { BerthConfig } from '../config/config.ts';
import { traceDatabaseQueries } from '../db/database.ts';
import type { Logger } from '../logger.ts';
import { BERTH_VERSION } from '../version.ts';

/** The service name of Berth's spans (Harbor names each of its processes; Berth is one). */
export const SERVICE_NAME = 'berth';

export interface Tracing {
  tracer: Tracer;
  /** Sends the spans still buffered, then stops exporting. */
  shutdown(): Promise<void>;
}

/** The OTLP/HTTP traces URL of harbor.yml's otel block: endpoint host:port (or a URL) and url_path. */
export function otlpUrl(otel: BerthConfig['trace']['otel']): string {
  const endpoint = otel.endpoint!;
  const base = /^https?:\/\//.test(endpoint) ? endpoint : `${otel.insecure ? 'http' : 'https'}://${endpoint}`;
  return new URL(otel.url_path, base).toString();
}

/**
 * OpenTelemetry tracing, as harbor.yml's trace block configures it: a
 * tracer provider exporting OTLP over HTTP (JSON) in batches, a parent-based
 * ratio sampler (a caller's traceparent decides for its trace, sample_rate
 * for new ones), W3C trace context. Loaded only when trace.enabled.
 *
 * Spans are made by Berth itself — a server span per HTTP request
 * (request-spans.ts) and a client span per database query (db/database.ts's
 * hook) — not by patching modules: the OpenTelemetry instrumentations (0.301)
 * need @opentelemetry/api 1.10 while the SDK 2.x resolves 1.9 here, and under
 * ESM module patching needs import-in-the-middle loader hooks before any
 * import; Berth's own hooks see every request and query without either.
 */
export function startTracing(config: BerthConfig['trace'], log: Logger): Tracing {
  const exporter = new OTLPTraceExporter({
    url: otlpUrl(config.otel),
    timeoutMillis: config.otel.timeout,
    compression: (config.otel.compression ? 'gzip' : 'none') as never,
  });
  const provider = new NodeTracerProvider({
    resource: resourceFromAttributes({
      ...config.attributes,
      'service.name': SERVICE_NAME,
      'service.version': BERTH_VERSION,
      ...(config.namespace !== '' && { 'service.namespace': config.namespace }),
    }),
    sampler: new ParentBasedSampler({ root: new TraceIdRatioBasedSampler(config.sample_rate) }),
    spanProcessors: [new BatchSpanProcessor(exporter as unknown as SpanExporter)],
  });
  provider.register();
  const tracer = trace.getTracer('berth', BERTH_VERSION);
  traceDatabaseQueries(async (text, run) => {
    const span = tracer.startSpan('postgresql', { kind: SpanKind.CLIENT, attributes: { 'db.system.name': 'postgresql', 'db.query.text': text } });
    try {
      return await run();
    } catch (error) {
      span.setStatus({ code: SpanStatusCode.ERROR, message: (error as Error).message });
      throw error;
    } finally {
      span.end();
    }
  });
  log.info({ endpoint: otlpUrl(config.otel), sample_rate: config.sample_rate }, 'tracing: exporting spans over OTLP/HTTP');
  return {
    tracer,
    shutdown: async () => {
      traceDatabaseQueries(undefined);
      await provider.shutdown();
    },
  };
}
