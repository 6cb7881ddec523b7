import type { FastifyInstance, RouteOptions } from 'fastify';
import { z } from 'zod';
import { BERTH_VERSION } from '../version.ts';

/**
 * Berth's own OpenAPI document, generated from the zod schemas routes declare
 * in Fastify's `schema` option (params, querystring, body, and a response per
 * status, failures included). The document is what tests hold every
 * /api/v2.0 response against, and what the portal's API explorer shows.
 *
 * The schemas describe; they do not run. Requests are still parsed inside
 * handlers (parseInput, parseId, harbor-query) — with the same zod objects
 * where a route has a body — so a 400 keeps Harbor's envelope and names the
 * field, and is answered after the login check as before. Responses are not
 * checked or reshaped in production: a small mismatch must never become a 500
 * for a user; the tests catch it instead.
 */
const API_BASE = '/api/v2.0';

/** A response with no body (Harbor's 201 with Location, 200 on PUT/DELETE). */
export const NO_BODY = z.undefined().meta({ description: 'no body' });

/** Harbor's error envelope, which every failure on /api/v2.0 uses. */
export const ErrorsSchema = z
  .object({
    errors: z.array(z.object({ code: z.string(), message: z.string() })),
  })
  .meta({ id: 'Errors' });

/** Response entries for the failures an operation can answer, all in the error envelope. */
export function errors(...statuses: number[]): Record<number, typeof ErrorsSchema> {
  return Object.fromEntries(statuses.map((status) => [status, ErrorsSchema]));
}

/** A response of another media type than JSON (Fastify's per-content-type response form). */
export function content(mediaType: string, schema: z.ZodType): { content: Record<string, { schema: z.ZodType }> } {
  return { content: { [mediaType]: { schema } } };
}

/** Harbor's paging parameters, shared by every list. */
export const pagingQuery = {
  page: z.int().min(1).default(1).meta({ description: 'page number, from 1' }),
  page_size: z.int().min(1).max(100).default(10).meta({ description: 'items per page, at most 100' }),
};

/** Harbor's numeric path ids (user_id, project_id, …), as parseId accepts them. */
export const id = z.int().min(1);

/** Harbor's q (filter) and sort parameters, for the lists that take them. */
export const filterQuery = {
  q: z.string().optional().meta({ description: 'filter: k=v, k=~v (fuzzy), k=[min~max], k={a b} (any), k=(a b) (all), comma-separated' }),
  sort: z.string().optional().meta({ description: 'comma-separated fields, - for descending' }),
};

type ResponseEntry = z.ZodType | { content: Record<string, { schema: z.ZodType }> };

export interface RouteSchema {
  params?: z.ZodObject;
  querystring?: z.ZodObject;
  body?: z.ZodType;
  response: Record<number, ResponseEntry>;
}

type Json = Record<string, unknown>;

export interface OpenApiDocument {
  openapi: string;
  info: Json;
  servers: { url: string }[];
  paths: Record<string, Record<string, Json>>;
  components: { schemas: Record<string, Json> };
}

interface DescribedRoute {
  method: string;
  path: string;
  schema: RouteSchema;
}

const STATUS_TEXT: Record<number, string> = {
  200: 'OK',
  201: 'Created',
  202: 'Accepted',
  204: 'No Content',
  400: 'Bad request',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'Not found',
  405: 'Method not allowed',
  409: 'Conflict',
  412: 'Precondition failed',
  413: 'Payload too large',
  415: 'Unsupported media type',
  500: 'Internal server error',
  503: 'Service unavailable',
  507: 'Insufficient storage',
};

/**
 * Makes Fastify accept zod schemas on routes without running them (see
 * above), collects the /api/v2.0 routes that declare one, and serves the
 * document at /swagger.json — where Harbor serves its own and its API
 * explorer reads it. Call before any route is registered.
 */
export function describeApi(app: FastifyInstance): void {
  const routes: DescribedRoute[] = [];
  app.setValidatorCompiler(() => () => true);
  app.setSerializerCompiler(() => (data) => JSON.stringify(data));
  app.addHook('onRoute', (route: RouteOptions) => {
    if (!route.schema?.response || !route.url.startsWith(`${API_BASE}/`)) return;
    for (const method of [route.method].flat()) routes.push({ method: method.toLowerCase(), path: route.url.slice(API_BASE.length), schema: route.schema as RouteSchema });
  });
  let document: OpenApiDocument | undefined;
  // Built on first request, when every route is registered.
  app.get('/swagger.json', async () => (document ??= buildDocument(routes)));
}

function buildDocument(routes: DescribedRoute[]): OpenApiDocument {
  const components: Record<string, Json> = {};
  const paths: OpenApiDocument['paths'] = {};
  for (const { method, path, schema } of routes) {
    const template = path.replace(/:([A-Za-z0-9_]+)/g, '{$1}');
    // Grouped in the explorer by the path's first segment (projects, users, labels, …).
    const operation: Json = { tags: [template.split('/')[1]] };
    const parameters = [...parametersOf(schema.params, 'path', components), ...parametersOf(schema.querystring, 'query', components)];
    if (parameters.length > 0) operation.parameters = parameters;
    if (schema.body) operation.requestBody = { required: !schema.body.safeParse(undefined).success, content: { 'application/json': { schema: jsonSchema(schema.body, 'input', components) } } };
    // Any operation refuses malformed input (400: a NUL byte, a bad id), can fail inside Berth (500) or lose
    // its database (503); one that takes a body refuses a body over the limit (413) and one that is not JSON
    // (415) before the handler runs. A route may describe any of these itself (a 503 with more in its body).
    const responses = { ...errors(400, 500, 503), ...(schema.body && errors(413, 415)), ...schema.response };
    operation.responses = Object.fromEntries(Object.entries(responses).map(([status, entry]) => [status, responseObject(Number(status), entry, components)]));
    (paths[template] ??= {})[method] = operation;
  }
  return {
    openapi: '3.1.0',
    info: { title: 'Berth API', version: BERTH_VERSION, description: "Harbor's REST API v2.0 as Berth implements it" },
    servers: [{ url: API_BASE }],
    paths,
    components: { schemas: components },
  };
}

function responseObject(status: number, entry: ResponseEntry, components: Record<string, Json>): Json {
  const description = STATUS_TEXT[status] ?? String(status);
  if (entry === NO_BODY) return { description };
  if (entry instanceof z.ZodUnion && entry.options.includes(NO_BODY)) {
    // A body only sometimes (OpenAPI cannot say so): the other options, marked as optional.
    const rest = entry.options.filter((option) => option !== NO_BODY) as z.ZodType[];
    const schema = jsonSchema(rest.length === 1 ? rest[0]! : z.union(rest), 'output', components);
    return { description, 'x-body-optional': true, content: { 'application/json': { schema } } };
  }
  if (entry instanceof z.ZodType) return { description, content: { 'application/json': { schema: jsonSchema(entry, 'output', components) } } };
  return {
    description,
    content: Object.fromEntries(Object.entries(entry.content).map(([type, { schema }]) => [type, { schema: jsonSchema(schema, 'output', components) }])),
  };
}

function parametersOf(object: z.ZodObject | undefined, location: 'path' | 'query', components: Record<string, Json>): Json[] {
  if (!object) return [];
  return Object.entries(object.shape).map(([name, field]) => {
    const schema = jsonSchema(field as z.ZodType, 'input', components);
    const { description, ...rest } = schema;
    return {
      name,
      in: location,
      required: location === 'path' || !(field as z.ZodType).safeParse(undefined).success,
      ...(description !== undefined && { description }),
      schema: rest,
    };
  });
}

/** JSON Schema 2020-12 (what OpenAPI 3.1 uses); schemas with a meta id become shared components. */
function jsonSchema(schema: z.ZodType, io: 'input' | 'output', components: Record<string, Json>): Json {
  const converted = z.toJSONSchema(schema, { target: 'draft-2020-12', io, unrepresentable: 'any' }) as Json;
  delete converted.$schema;
  const defs = converted.$defs as Record<string, Json> | undefined;
  delete converted.$defs;
  for (const [id, def] of Object.entries(defs ?? {})) components[id] = pointAtComponents(def);
  return pointAtComponents(converted);
}

function pointAtComponents(schema: Json): Json {
  return JSON.parse(JSON.stringify(schema).replaceAll('"#/$defs/', '"#/components/schemas/')) as Json;
}
