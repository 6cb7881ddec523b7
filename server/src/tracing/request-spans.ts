import { context, propagation, SpanKind, SpanStatusCode, trace, type Tracer } from '@opentelemetry/api';
import type { FastifyInstance } from 'fastify';
import { withLogContext } from '../logger.ts';

/**
 * A server span for every request, child of the caller's traceparent when it
 * sent one, active for everything the request runs (its database queries
 * become its children) and named by the route, never the raw URL. The
 * request's log lines carry its trace id.
 */
export function traceRequests(app: FastifyInstance, tracer: Tracer): void {
  app.addHook('onRequest', (request, reply, done) => {
    const parent = propagation.extract(context.active(), request.headers);
    const route = request.routeOptions.url;
    const span = tracer.startSpan(
      route === undefined ? request.method : `${request.method} ${route}`,
      {
        kind: SpanKind.SERVER,
        attributes: {
          'http.request.method': request.method,
          'url.path': request.url.split('?')[0],
          ...(route !== undefined && { 'http.route': route }),
          'http.request.header.x-request-id': request.id,
        },
      },
      parent,
    );
    reply.raw.once('close', () => {
      const status = reply.raw.statusCode;
      span.setAttribute('http.response.status_code', status);
      if (status >= 500) span.setStatus({ code: SpanStatusCode.ERROR });
      span.end();
    });
    const traceId = span.spanContext().traceId;
    context.with(trace.setSpan(parent, span), () => withLogContext({ traceId }, done));
  });
}
