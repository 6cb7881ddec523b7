import { readFileSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { parse } from 'yaml';
import type { OpenApiDocument } from '../../src/http/openapi.ts';
import { startTestApp, type TestApp } from '../fixtures/app-harness.ts';
import { HARBOR_SPEC_URL, harborSpecPresent } from '../fixtures/harbor-reference.ts';

/**
 * Holds Berth's API document against Harbor's swagger file, operation by
 * operation: the path and method, every path and query parameter (name,
 * required, type), the request body's fields, every documented status
 * (failures included) and each response's fields and their types. Fields
 * Berth leaves out are allowed (Harbor's clients read them as empty), and so
 * are failures Harbor documents that Berth never answers; a field, parameter
 * or status Harbor does not have, a success status Berth lacks, or a
 * different type is a mismatch unless docs/api-compatibility.md lists it as a deliberate
 * difference with its reason — and a listed difference that no longer occurs
 * fails too, so the list stays true.
 */
type Json = Record<string, any>;

const COMPATIBILITY = new URL('../../../docs/api-compatibility.md', import.meta.url);

/** The table under "Differences the contract test allows": `METHOD /path` (or `*`), `difference`, reason. */
function listedDifferences(): Set<string> {
  const text = readFileSync(COMPATIBILITY, 'utf8');
  const section = text.split(/^## Differences the contract test allows$/m)[1]?.split(/^## /m)[0];
  assert.ok(section, 'docs/api-compatibility.md has a section "Differences the contract test allows"');
  const listed = new Set<string>();
  for (const [, operation, difference, reason] of section.matchAll(/^\| `([^`]+)` \| `([^`]+)` \| ([^|]*) \|$/gm)) {
    assert.ok(reason!.trim().length > 0, `the difference ${operation}: ${difference} says why`);
    listed.add(`${operation}: ${difference}`);
  }
  return listed;
}

class Comparison {
  readonly found: string[] = [];
  readonly #berth: OpenApiDocument;
  readonly #harbor: Json;

  constructor(berth: OpenApiDocument, harbor: Json) {
    this.#berth = berth;
    this.#harbor = harbor;
  }

  run(): void {
    const harborPaths = new Map(Object.keys(this.#harbor.paths).map((template) => [template.replace(/\{[^}]+\}/g, '{}'), template]));
    for (const [template, operations] of Object.entries(this.#berth.paths)) {
      for (const [method, operation] of Object.entries(operations)) {
        const name = `${method.toUpperCase()} ${template}`;
        const harborTemplate = harborPaths.get(template.replace(/\{[^}]+\}/g, '{}'));
        const harborOperation = harborTemplate && this.#harbor.paths[harborTemplate][method];
        if (!harborOperation) {
          this.found.push(`${name}: not a Harbor operation`);
          continue;
        }
        const harborParameters = [...(this.#harbor.paths[harborTemplate!].parameters ?? []), ...(harborOperation.parameters ?? [])].map((p: Json) => this.#harborRef(p));
        this.#parameters(name, (operation.parameters ?? []) as Json[], harborParameters);
        this.#body(name, operation.requestBody as Json | undefined, harborParameters.find((p: Json) => p.in === 'body'));
        this.#responses(name, operation.responses as Json, harborOperation.responses);
      }
    }
  }

  #parameters(name: string, berth: Json[], harbor: Json[]): void {
    const harborByKey = new Map(harbor.filter((p) => p.in === 'path' || p.in === 'query').map((p) => [`${p.in} ${p.name}`, p]));
    for (const parameter of berth) {
      const key = `${parameter.in} ${parameter.name}`;
      const theirs = harborByKey.get(key);
      if (!theirs) {
        this.found.push(`${name}: parameter ${key} not in Harbor`);
        continue;
      }
      harborByKey.delete(key);
      if (parameter.in === 'query' && Boolean(parameter.required) !== Boolean(theirs.required)) this.found.push(`${name}: parameter ${key} required ${Boolean(parameter.required)}, Harbor ${Boolean(theirs.required)}`);
      const type = this.#berthType(parameter.schema);
      if (type !== undefined && theirs.type !== undefined && !sameType(type, theirs.type)) this.found.push(`${name}: parameter ${key} is ${type}, Harbor ${theirs.type}`);
    }
    for (const key of harborByKey.keys()) this.found.push(`${name}: Harbor's parameter ${key} not documented`);
  }

  #body(name: string, berth: Json | undefined, harbor: Json | undefined): void {
    if (!berth && !harbor) return;
    if (!berth) return void this.found.push(`${name}: Harbor's request body not documented`);
    if (!harbor) return void this.found.push(`${name}: request body not in Harbor`);
    this.#schema(`${name}: request body`, berth.content['application/json'].schema, harbor.schema, '');
  }

  #responses(name: string, berth: Json, harbor: Json): void {
    const statuses = new Set([...Object.keys(berth), ...Object.keys(harbor)]);
    for (const status of statuses) {
      const ours = berth[status];
      const theirs = harbor[status] && this.#harborRef(harbor[status], 'responses');
      if (!theirs) {
        this.found.push(`${name}: status ${status} not in Harbor`);
        continue;
      }
      // A failure Harbor documents that Berth never answers is no risk to a client; a success is.
      if (!ours) {
        if (Number(status) < 400) this.found.push(`${name}: Harbor's status ${status} not documented`);
        continue;
      }
      const oursSchema = ours.content && (ours.content['application/json'] ?? Object.values(ours.content)[0])?.schema;
      // Harbor answers failures it documents without a body in its error envelope all the same; HEAD has no body.
      if ((!theirs.schema && Number(status) >= 400) || name.startsWith('HEAD ')) continue;
      if (!theirs.schema && oursSchema) this.found.push(`${name}: status ${status} has a body, Harbor none`);
      else if (theirs.schema && !oursSchema) this.found.push(`${name}: status ${status} has no body, Harbor has`);
      else if (theirs.schema && oursSchema) this.#schema(`${name}: response ${status}`, oursSchema, theirs.schema, '');
    }
  }

  /** Berth's schema against Harbor's: every field Berth has, Harbor has, with the same type. */
  #schema(where: string, ours: Json, theirs: Json, path: string): void {
    ours = this.#berthRef(ours);
    theirs = this.#harborRef(theirs);
    if (ours.anyOf) {
      for (const option of ours.anyOf as Json[]) if (option.type !== 'null') this.#schema(where, option, theirs, path);
      return;
    }
    const type = this.#berthType(ours);
    const theirType = theirs.type ?? (theirs.properties ? 'object' : undefined);
    // Harbor's bare {type: object} and untyped values (Go interface{}) say nothing more.
    if (theirType === undefined || (theirType === 'object' && !theirs.properties && !theirs.additionalProperties)) return;
    if (theirType === 'file') return;
    if (type === undefined) return;
    if (!sameType(type, theirType)) return void this.found.push(`${where}: ${path || '(body)'} is ${type}, Harbor ${theirType}`);
    if (type === 'string' && theirs.format === 'date-time' && ours.format !== 'date-time') this.found.push(`${where}: ${path || '(body)'} is not a date-time as in Harbor`);
    if (type === 'array') return this.#schema(where, ours.items ?? {}, theirs.items ?? {}, `${path}[]`);
    if (type !== 'object') return;
    for (const [field, schema] of Object.entries((ours.properties ?? {}) as Json)) {
      const theirField = theirs.properties?.[field];
      if (theirField) this.#schema(where, schema, theirField, path ? `${path}.${field}` : field);
      else if (theirs.additionalProperties && typeof theirs.additionalProperties === 'object') this.#schema(where, schema, theirs.additionalProperties, path ? `${path}.${field}` : field);
      else this.found.push(`${where}: ${path ? `${path}.${field}` : field} not in Harbor`);
    }
    if (ours.additionalProperties && typeof ours.additionalProperties === 'object' && Object.keys(ours.additionalProperties).length > 0 && theirs.additionalProperties && typeof theirs.additionalProperties === 'object') {
      this.#schema(where, ours.additionalProperties, theirs.additionalProperties, `${path}{}`);
    }
  }

  #berthType(schema: Json): string | undefined {
    const resolved = this.#berthRef(schema);
    // A constant or enumeration of whole numbers (z.literal(1)) is an integer, whatever type zod writes beside it.
    const constants: unknown[] = resolved.const !== undefined ? [resolved.const] : (resolved.enum ?? []);
    if (constants.length > 0 && constants.every((value) => Number.isInteger(value))) return 'integer';
    if (Array.isArray(resolved.type)) return resolved.type.find((t: string) => t !== 'null');
    if (resolved.type) return resolved.type;
    if (constants.length > 0) return typeof constants[0];
    return undefined;
  }

  #berthRef(schema: Json): Json {
    return schema.$ref ? this.#berth.components.schemas[String(schema.$ref).replace('#/components/schemas/', '')]! : schema;
  }

  #harborRef(schema: Json, section = 'definitions'): Json {
    if (!schema.$ref) return schema;
    const [, kind, id] = String(schema.$ref).split('/');
    return this.#harborRef(this.#harbor[kind ?? section][id!]);
  }
}

/** An integer is a number; everything else must be the same type. */
function sameType(ours: string, theirs: string): boolean {
  return ours === theirs || (ours === 'integer' && theirs === 'number');
}

const absent = !harborSpecPresent() && "Harbor's swagger file is not beside the repository";

describe("Berth's API document against Harbor's", { skip: absent }, () => {
  let t: TestApp;
  let berth: OpenApiDocument;
  before(async () => {
    t = await startTestApp();
    berth = (await (await fetch(`${t.url}/swagger.json`)).json()) as OpenApiDocument;
  });
  after(async () => t.close());

  it('matches Harbor for every operation Berth describes — paths, parameters, bodies, statuses and fields — but for the differences docs/api-compatibility.md gives reasons for', () => {
    const comparison = new Comparison(berth, parse(readFileSync(HARBOR_SPEC_URL, 'utf8')) as Json);
    comparison.run();
    const listed = listedDifferences();
    const matches = (mismatch: string) => listed.has(mismatch) || listed.has(`*: ${mismatch.slice(mismatch.indexOf(': ') + 2)}`);
    assert.deepEqual(comparison.found.filter((mismatch) => !matches(mismatch)), [], 'differences from Harbor that docs/api-compatibility.md does not list');
    const occurring = new Set(comparison.found.flatMap((mismatch) => [mismatch, `*: ${mismatch.slice(mismatch.indexOf(': ') + 2)}`]));
    assert.deepEqual([...listed].filter((difference) => !occurring.has(difference)), [], 'differences docs/api-compatibility.md lists that no longer occur');
  });
});
