import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import { gunzipSync } from 'node:zlib';
import { freePort, startBerth, type BerthProcess } from '../fixtures/berth-process.ts';
import { imageBlobs, makeImage, writeOciLayout } from '../fixtures/image-builder.ts';
import { ADMIN_AUTH } from '../fixtures/registry-client.ts';
import { ADMIN_CREDS, createContainerTools, type ContainerTools } from '../fixtures/cli-tools.ts';
import { Scrape } from '../fixtures/prometheus.ts';
import { waitUntil } from '../fixtures/wait.ts';

/**
 * berth serve with metrics and tracing on, driven by skopeo: Prometheus
 * scrapes its own listener, and an OTLP/HTTP receiver (a node:http server
 * decoding the JSON the exporter sends) gets the spans.
 */

interface OtlpSpan {
  traceId: string;
  spanId: string;
  parentSpanId?: string;
  name: string;
  kind: number;
  attributes: { key: string; value: { stringValue?: string; intValue?: string | number } }[];
}
interface OtlpExport {
  resourceSpans: { resource: { attributes: OtlpSpan['attributes'] }; scopeSpans: { spans: OtlpSpan[] }[] }[];
}

const TEST_TIMEOUT = 120_000;
let berth: BerthProcess;
let tools: ContainerTools;
let receiver: Server;
let metricsPort: number;
const exports: { path: string; contentType: string; body: OtlpExport }[] = [];

before(async () => {
  tools = createContainerTools();
  receiver = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      const raw = Buffer.concat(chunks);
      const body = request.headers['content-encoding'] === 'gzip' ? gunzipSync(raw) : raw;
      exports.push({ path: request.url ?? '', contentType: request.headers['content-type'] ?? '', body: JSON.parse(body.toString()) as OtlpExport });
      response.writeHead(200, { 'content-type': 'application/json' }).end('{}');
    });
  });
  await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
  const address = receiver.address();
  metricsPort = await freePort();
  berth = await startBerth({
    env: {
      BERTH_METRIC_ENABLED: 'true',
      BERTH_METRIC_PORT: String(metricsPort),
      BERTH_TRACE_ENABLED: 'true',
      // Harbor's form: host:port, with insecure for plain HTTP.
      BERTH_TRACE_OTEL_ENDPOINT: `127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`,
      BERTH_TRACE_OTEL_INSECURE: 'true',
      BERTH_TRACE_NAMESPACE: 'e2e-namespace',
    },
  });
});
after(async () => {
  await berth?.destroy();
  await tools?.destroy();
  receiver?.close();
});

function attribute(attributes: OtlpSpan['attributes'], key: string): string | undefined {
  const value = attributes.find((a) => a.key === key)?.value;
  return value?.stringValue ?? (value?.intValue === undefined ? undefined : String(value.intValue));
}

function spans(): { span: OtlpSpan; service: string | undefined; namespace: string | undefined }[] {
  return exports.flatMap((e) =>
    e.body.resourceSpans.flatMap((rs) =>
      rs.scopeSpans.flatMap((ss) => ss.spans.map((span) => ({ span, service: attribute(rs.resource.attributes, 'service.name'), namespace: attribute(rs.resource.attributes, 'service.namespace') }))),
    ),
  );
}

describe('metrics of a berth process', () => {
  it('skopeo pushes and pulls show in the scrape of metric.port, and the registry port serves no metrics', { timeout: TEST_TIMEOUT }, async () => {
    const created = await fetch(`${berth.url}/api/v2.0/projects`, {
      method: 'POST',
      headers: { authorization: ADMIN_AUTH, 'content-type': 'application/json' },
      body: JSON.stringify({ project_name: 'observed', metadata: { public: 'false' }, storage_limit: 50 * 1024 * 1024 }),
    });
    assert.equal(created.status, 201);
    const image = await makeImage();
    const layout = tools.tempDir('metrics-layout');
    writeOciLayout(layout, imageBlobs(image), { v1: image.manifest });
    await tools.skopeo(['copy', '--dest-tls-verify=false', '--dest-creds', ADMIN_CREDS, `oci:${layout}:v1`, `docker://${berth.host}/observed/app:v1`]);
    const pulled = tools.tempDir('metrics-pulled');
    await tools.skopeo(['copy', '--src-tls-verify=false', '--src-creds', ADMIN_CREDS, `docker://${berth.host}/observed/app:v1`, `oci:${pulled}:v1`]);

    const url = `http://127.0.0.1:${metricsPort}/metrics`;
    // Pulls are written within a second; the project figures are re-read at most every 5 s.
    await waitUntil(async () => (await Scrape.of(url)).value('harbor_artifact_pulled', { project_name: 'observed' }) === 1, 'the pull is counted', 20_000);
    const scrape = await Scrape.of(url);
    assert.equal(scrape.value('harbor_project_repo_total', { project_name: 'observed', public: 'false' }), 1);
    assert.equal(scrape.value('harbor_project_quota_byte', { project_name: 'observed' }), 50 * 1024 * 1024);
    assert.ok(scrape.value('harbor_project_quota_usage_byte', { project_name: 'observed' })! > 0);
    assert.equal(scrape.value('harbor_project_artifact_total', { project_name: 'observed', public: 'false', artifact_type: 'IMAGE' }), 1);
    assert.equal(scrape.value('registry_http_requests_total', { handler: 'manifest', code: '201', method: 'PUT' }), 1);
    assert.ok(scrape.value('registry_http_requests_total', { handler: 'manifest', code: '200', method: 'GET' })! >= 1);
    assert.equal(scrape.value('harbor_health'), 1);

    const onRegistryPort = await fetch(`${berth.url}/metrics`);
    assert.doesNotMatch(await onRegistryPort.text(), /harbor_project/);
  });
});

describe('tracing of a berth process', () => {
  it("a /v2 request's server span and its database queries reach the OTLP/HTTP receiver with the caller's trace id", { timeout: TEST_TIMEOUT }, async () => {
    const traceId = randomBytes(16).toString('hex');
    const response = await fetch(`${berth.url}/v2/observed/nothing/manifests/latest`, {
      headers: { authorization: ADMIN_AUTH, traceparent: `00-${traceId}-${randomBytes(8).toString('hex')}-01` },
    });
    assert.equal(response.status, 404);
    await response.arrayBuffer();
    // The batch processor sends every 5 s.
    await waitUntil(() => spans().some(({ span }) => span.traceId === traceId && span.kind === 3), 'a database span of the trace arrived', 30_000);
    assert.ok(exports.every((e) => e.path === '/v1/traces' && e.contentType.startsWith('application/json')));
    const ofTrace = spans().filter(({ span }) => span.traceId === traceId);
    const server = ofTrace.find(({ span }) => span.kind === 2);
    assert.ok(server, JSON.stringify(ofTrace));
    assert.equal(server.service, 'berth');
    assert.equal(server.namespace, 'e2e-namespace');
    assert.equal(server.span.name, 'GET /v2/*');
    assert.equal(attribute(server.span.attributes, 'http.response.status_code'), '404');
    const queries = ofTrace.filter(({ span }) => span.kind === 3);
    assert.ok(queries.length > 0);
    for (const { span, service } of queries) {
      assert.equal(service, 'berth');
      assert.equal(attribute(span.attributes, 'db.system.name'), 'postgresql');
      assert.ok(attribute(span.attributes, 'db.query.text'));
      assert.equal(span.parentSpanId, server.span.spanId);
    }
  });
});
