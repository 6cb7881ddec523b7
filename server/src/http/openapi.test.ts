import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import Fastify from 'fastify';
import { z } from 'zod';
import { content, describeApi, errors, id, NO_BODY, type OpenApiDocument } from './openapi.ts';

const Thing = z.object({ id: z.int(), name: z.string(), note: z.string().nullable() }).meta({ id: 'Thing' });

async function documentOf(register: (app: ReturnType<typeof Fastify>) => void): Promise<OpenApiDocument> {
  const app = Fastify();
  describeApi(app);
  register(app);
  const response = await app.inject({ method: 'GET', url: '/swagger.json' });
  await app.close();
  assert.equal(response.statusCode, 200);
  return response.json() as OpenApiDocument;
}

describe('the OpenAPI document built from route schemas', () => {
  it('describes parameters, body and each response of an /api/v2.0 route, with named models as shared components', async () => {
    const document = await documentOf((app) => {
      app.put(
        '/api/v2.0/things/:thing_id',
        { schema: { params: z.object({ thing_id: id }), querystring: z.object({ force: z.boolean().optional() }), body: z.object({ name: z.string() }), response: { 200: Thing, ...errors(404) } } },
        async () => ({ id: 1, name: 'a', note: null }),
      );
    });
    const operation = document.paths['/things/{thing_id}']!.put as Record<string, any>;
    assert.deepEqual(
      operation.parameters.map((p: Record<string, unknown>) => [p.name, p.in, p.required]),
      [
        ['thing_id', 'path', true],
        ['force', 'query', false],
      ],
    );
    assert.equal(operation.requestBody.required, true);
    assert.deepEqual(operation.responses['200'].content['application/json'].schema, { $ref: '#/components/schemas/Thing' });
    assert.deepEqual(document.components.schemas.Thing!.required, ['id', 'name', 'note']);
    // Failures share the envelope; every operation refuses malformed input (400), can fail inside (500)
    // or lose its database (503); one with a body refuses oversized and non-JSON bodies.
    assert.deepEqual(Object.keys(operation.responses).sort(), ['200', '400', '404', '413', '415', '500', '503']);
    assert.deepEqual(operation.responses['404'].content['application/json'].schema, { $ref: '#/components/schemas/Errors' });
  });

  it('lets a route describe a failure the builder adds to every operation, such as a 503 with more in its body', async () => {
    const Unhealthy = z.object({ errors: z.array(z.object({ code: z.string(), message: z.string() })), status: z.string() });
    const document = await documentOf((app) => {
      app.get('/api/v2.0/health', { schema: { response: { 200: Thing, 503: Unhealthy } } }, async () => ({}));
    });
    const responses = document.paths['/health']!.get!.responses as Record<string, any>;
    assert.deepEqual(responses['503'].content['application/json'].schema.required, ['errors', 'status']);
    assert.deepEqual(Object.keys(responses).sort(), ['200', '400', '500', '503']);
  });

  it('tells a response without a body, one with a body only sometimes, and one of another media type', async () => {
    const document = await documentOf((app) => {
      app.delete('/api/v2.0/things/:thing_id', { schema: { response: { 200: NO_BODY } } }, async () => undefined);
      app.post('/api/v2.0/things', { schema: { response: { 201: NO_BODY.or(Thing) } } }, async () => undefined);
      app.get('/api/v2.0/text', { schema: { response: { 200: content('text/plain', z.string()) } } }, async () => 'x');
    });
    assert.equal(document.paths['/things/{thing_id}']!.delete!.responses && (document.paths['/things/{thing_id}']!.delete!.responses as Record<string, any>)['200'].content, undefined);
    assert.equal((document.paths['/things']!.post!.responses as Record<string, any>)['201']['x-body-optional'], true);
    assert.deepEqual(Object.keys((document.paths['/text']!.get!.responses as Record<string, any>)['200'].content), ['text/plain']);
  });

  it('leaves out routes outside /api/v2.0 and routes that declare no schema', async () => {
    const document = await documentOf((app) => {
      app.get('/v2/', { schema: { response: { 200: z.object({}) } } }, async () => ({}));
      app.get('/api/v2.0/bare', async () => ({}));
    });
    assert.deepEqual(Object.keys(document.paths), []);
  });
});
