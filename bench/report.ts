/**
 * Turns the raw measurements bench/run.sh collected ("key value" lines, one
 * per sample) into the side-by-side summary table and bench/out/results.json.
 *
 *   node bench/report.ts <raw.txt> <results.json>
 *
 * Exits 1 only with BENCH_STRICT=1 and a missed target.
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';

const [rawPath, jsonPath] = process.argv.slice(2);
if (!rawPath || !jsonPath) {
  console.error('usage: report.ts <raw.txt> <results.json>');
  process.exit(2);
}

const raw = new Map<string, string[]>();
for (const line of readFileSync(rawPath, 'utf8').split('\n')) {
  if (!line.trim()) continue;
  const space = line.indexOf(' ');
  const key = space < 0 ? line : line.slice(0, space);
  const value = space < 0 ? '' : line.slice(space + 1);
  raw.set(key, [...(raw.get(key) ?? []), value]);
}
const str = (key: string): string => raw.get(key)?.[0] ?? '';
const nums = (key: string): number[] => (raw.get(key) ?? []).map(Number).filter((n) => Number.isFinite(n));
const max = (xs: number[]) => (xs.length ? Math.max(...xs) : NaN);
const min = (xs: number[]) => (xs.length ? Math.min(...xs) : NaN);
const sum = (xs: number[]) => xs.reduce((a, b) => a + b, 0);
function median(xs: number[]): number {
  if (!xs.length) return NaN;
  const s = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
}
const MB = (kib: number) => (kib * 1024) / 1e6;

interface Row {
  metric: string;
  unit: string;
  berth: number | string;
  distribution: number | string;
  /** berth/distribution unless `ratio_definition` says otherwise */
  ratio: number | null;
  ratio_definition: string;
  target: string;
  pass: boolean | null;
  runs?: { berth: number[]; distribution: number[] };
  median?: { berth: number; distribution: number };
}

const rows: Row[] = [];
/**
 * One compared metric. Throughput: the best is the highest and the ratio is
 * berth/distribution; times: the best is the lowest and the ratio is
 * distribution/berth — so > 1 always means Berth is faster.
 */
const compare = (metric: string, unit: string, key: string, distKey: string, higherIsBetter: boolean, extra: Partial<Row> = {}): Row => {
  const b = nums(`berth.${key}`);
  const d = nums(`distribution.${distKey}`);
  const best = higherIsBetter ? max : min;
  const row: Row = {
    metric,
    unit,
    berth: best(b),
    distribution: best(d),
    ratio: higherIsBetter ? best(b) / best(d) : best(d) / best(b),
    ratio_definition: higherIsBetter ? 'berth / distribution (> 1: Berth faster)' : 'distribution time / berth time (> 1: Berth faster)',
    target: '-',
    pass: null,
    runs: { berth: b, distribution: d },
    median: { berth: median(b), distribution: median(d) },
    ...extra,
  };
  rows.push(row);
  return row;
};
const higherBetter = (metric: string, unit: string, key: string, distKey = key, extra: Partial<Row> = {}): Row => compare(metric, unit, key, distKey, true, extra);
const lowerBetter = (metric: string, key: string): Row => compare(metric, 's', key, key, false);

const blobMiB = Number(str('meta.blob_bytes')) / 1048576;
const openssl = max(nums('openssl.mbps'));
const up = higherBetter(`upload ${blobMiB} MiB, monolithic (berth: POST ?digest=; distr.: POST+PUT)`, 'MB/s', 'upload_mono.mbps');
higherBetter(`upload ${blobMiB} MiB, POST + PUT (both)`, 'MB/s', 'upload_post_put.mbps', 'upload_mono.mbps');
const berthVsOpenssl = (up.berth as number) / openssl;
rows.push({
  metric: 'monolithic upload / openssl dgst -sha256',
  unit: 'x',
  berth: berthVsOpenssl,
  distribution: (up.distribution as number) / openssl,
  ratio: null,
  ratio_definition: 'each registry against the openssl sha256 floor',
  target: '>= 0.70',
  pass: berthVsOpenssl >= 0.7,
});
const dd = nums('disk.dd_fsync.mbps');
rows.push({
  metric: `disk floor: dd ${blobMiB} MiB conv=fsync (one per upload round)`,
  unit: 'MB/s',
  berth: max(dd),
  distribution: max(dd),
  ratio: null,
  ratio_definition: 'same disk: shown in both columns',
  target: '-',
  pass: null,
  runs: { berth: dd, distribution: dd },
});
rows.push({
  metric: 'monolithic upload / dd conv=fsync floor (best / best)',
  unit: 'x',
  berth: (up.berth as number) / max(dd),
  distribution: (up.distribution as number) / max(dd),
  ratio: null,
  ratio_definition: 'each registry against the disk durable-write floor (informational)',
  target: '-',
  pass: null,
});
higherBetter(`download ${blobMiB} MiB to /dev/null`, 'MB/s', 'download.mbps');
rows.push({
  metric: 'openssl dgst -sha256 of the same file (floor)',
  unit: 'MB/s',
  berth: openssl,
  distribution: openssl,
  ratio: null,
  ratio_definition: 'same machine, same file: shown in both columns',
  target: '-',
  pass: null,
  runs: { berth: nums('openssl.mbps'), distribution: nums('openssl.mbps') },
});
higherBetter('manifest GET (wrk -t2 -c32)', 'req/s', 'manifest_get.rps');
higherBetter('blob HEAD (ab -k -i -c32)', 'req/s', 'blob_head.rps');
higherBetter(`small blob GET, ${str('meta.small_blob_bytes')} B config (wrk -t2 -c32)`, 'req/s', 'small_blob_get.rps');
const errors = (who: string) =>
  ['manifest_get.non2xx', 'manifest_get.socket_errors', 'blob_head.non2xx', 'small_blob_get.non2xx', 'small_blob_get.socket_errors'].map((k) => sum(nums(`${who}.${k}`)));
const errs = { berth: errors('berth'), distribution: errors('distribution') };
const errText = (e: number[]) => `${e[0]}+${e[1]} / ${e[2]} / ${e[3]}+${e[4]}`;
rows.push({
  metric: 'non-2xx + socket errors (manifest GET / blob HEAD / blob GET)',
  unit: 'count',
  berth: errText(errs.berth),
  distribution: errText(errs.distribution),
  ratio: null,
  ratio_definition: '',
  target: '0',
  pass: sum(errs.berth) === 0 && sum(errs.distribution) === 0,
});
const imageMiB = Number(str('meta.image_bytes')) / 1048576;
lowerBetter(`skopeo push ${imageMiB.toFixed(0)} MiB image`, 'skopeo_push.seconds');
lowerBetter(`skopeo pull ${imageMiB.toFixed(0)} MiB image`, 'skopeo_pull.seconds');
const pushCpu = { berth: nums('berth.skopeo_push.cpu_seconds'), distribution: nums('distribution.skopeo_push.cpu_seconds') };
rows.push({
  metric: 'registry CPU per skopeo push (user + system; berth: node + its PostgreSQL), median',
  unit: 's',
  berth: median(pushCpu.berth),
  distribution: median(pushCpu.distribution),
  ratio: median(pushCpu.distribution) / median(pushCpu.berth),
  ratio_definition: 'distribution CPU / berth CPU (> 1: Berth uses less; informational)',
  target: '-',
  pass: null,
  runs: pushCpu,
});
const berthHwm = MB(Number(str('berth.vmhwm_kib')));
rows.push({
  metric: 'peak RSS (VmHWM) at the end of the run',
  unit: 'MB',
  berth: berthHwm,
  distribution: MB(Number(str('distribution.vmhwm_kib'))),
  ratio: berthHwm / MB(Number(str('distribution.vmhwm_kib'))),
  ratio_definition: 'berth / distribution (informational)',
  target: '< 300 (berth)',
  pass: berthHwm < 300,
});
const checks = ['check.download_sha256', 'check.small_image', 'check.skopeo'].every((k) => str(k) === 'ok');
rows.push({
  metric: 'integrity: uploads (201 + HEAD size/digest), download sha256, skopeo digests',
  unit: '',
  berth: checks ? 'verified' : 'FAILED',
  distribution: checks ? 'verified' : 'FAILED',
  ratio: null,
  ratio_definition: '',
  target: 'all verified',
  pass: checks,
});

// ---------------------------------------------------------------- Harbor API (Berth only)
const hasApi = raw.has('berth.manifest_get_recording_on.rps');
const LISTINGS = ['artifacts_first', 'artifacts_deep', 'repositories_first', 'repositories_deep'];
if (hasApi) {
  const berthOnly = (row: Omit<Row, 'distribution' | 'ratio' | 'ratio_definition'> & Partial<Row>) =>
    rows.push({ distribution: '-', ratio: null, ratio_definition: 'Berth only: distribution has no Harbor API', ...row });
  const off = nums('berth.manifest_get_recording_off.rps');
  const on = nums('berth.manifest_get_recording_on.rps');
  berthOnly({ metric: 'manifest GET, pull recording off (wrk -t2 -c32)', unit: 'req/s', berth: max(off), target: '-', pass: null, runs: { berth: off, distribution: [] }, median: { berth: median(off), distribution: NaN } });
  berthOnly({ metric: 'manifest GET, pull recording on (wrk -t2 -c32)', unit: 'req/s', berth: max(on), target: '-', pass: null, runs: { berth: on, distribution: [] }, median: { berth: median(on), distribution: NaN } });
  const recordingRatio = max(on) / max(off);
  berthOnly({ metric: 'manifest GET with pull recording / without (best / best)', unit: 'x', berth: recordingRatio, target: '>= 0.90', pass: recordingRatio >= 0.9 });
  const served = sum(nums('api.pull_recording_on.requests'));
  const counted = sum(nums('api.pull_recording_on.pull_count_delta'));
  const countedOff = sum(nums('api.pull_recording_off.pull_count_delta')) + sum(nums('api.pull_recording_off.audit_delta'));
  const countRatio = counted / served;
  const recordingErrors = ['off', 'on'].flatMap((mode) => ['non2xx', 'socket_errors'].map((k) => sum(nums(`berth.manifest_get_recording_${mode}.${k}`))));
  berthOnly({
    metric: 'pull_count increase / pulls served while on (API; while off: no count, no audit event); errors',
    unit: '',
    berth: `${counted} / ${served} = ${countRatio.toFixed(3)}; off: +${countedOff}; errors ${sum(recordingErrors)}`,
    target: '~1 (0.99-1.01); +0; 0',
    pass: countRatio >= 0.99 && countRatio <= 1.01 && countedOff === 0 && sum(recordingErrors) === 0,
  });
  const listing = (key: string, what: string) => {
    const p50 = Number(str(`api.list.${key}.p50_ms`));
    const p95 = Number(str(`api.list.${key}.p95_ms`));
    berthOnly({ metric: `${what} (ab -k -c4 -n300)`, unit: 'ms p50 / p95', berth: `${p50} / ${p95}`, target: '< 100 (p95)', pass: p95 < 100 && Number(str(`api.list.${key}.non2xx`)) === 0 });
  };
  const artifacts = Number(str('meta.seed_artifacts'));
  const repositories = Number(str('meta.seed_repositories'));
  listing('artifacts_first', `artifacts of bench/many (${artifacts}), page 1 (15 per page, sort=-push_time)`);
  listing('artifacts_deep', `artifacts of bench/many, page ${str('meta.deep_page_artifacts')} (15 per page, sort=-push_time)`);
  listing('repositories_first', `repositories of bench-repos (${repositories}), page 1 (15 per page)`);
  listing('repositories_deep', `repositories of bench-repos, page ${str('meta.deep_page_repositories')} (15 per page)`);
  const totals = LISTINGS.map((k) => str(`api.list.${k}.total_count`));
  berthOnly({
    metric: 'X-Total-Count of those listings; first item of each page as expected',
    unit: '',
    berth: totals.join(' / '),
    target: `${artifacts} x2 / ${repositories} x2`,
    pass: str('check.listings') === 'ok' && totals.map(Number).join() === [artifacts, artifacts, repositories, repositories].join(),
  });
}

// ---------------------------------------------------------------- garbage collection (Berth only)
if (raw.has('gc.seconds')) {
  const gcRow = (row: Omit<Row, 'distribution' | 'ratio' | 'ratio_definition'>) =>
    rows.push({ distribution: '-', ratio: null, ratio_definition: 'Berth only: distribution collects offline, read-only', ...row });
  const seconds = Number(str('gc.seconds'));
  const rss = Number(str('gc.peak_rss_mb'));
  gcRow({ metric: `berth gc of ${str('gc.blobs_seeded')} seeded blobs (${str('gc.blobs_swept')} swept, ${str('gc.blobs_per_second')}/s; ${str('gc.blobs_left')} rows left)`, unit: 's', berth: seconds, target: '< 600', pass: seconds < 600 });
  gcRow({ metric: 'berth gc peak RSS', unit: 'MB', berth: rss, target: '< 300', pass: rss < 300 });
  const ratio = Number(str('gc.push_ratio'));
  gcRow({ metric: `pushes while GC runs / without (${str('gc.push_rate_during')} / ${str('gc.push_rate_idle')} per s)`, unit: 'x', berth: ratio, target: '>= 0.90', pass: ratio >= 0.9 });
}

if (raw.has('gc_soak.minutes')) {
  const soakRow = (row: Omit<Row, 'distribution' | 'ratio' | 'ratio_definition'>) =>
    rows.push({ distribution: '-', ratio: null, ratio_definition: 'Berth only: the GC soak (bench/gc-soak.ts)', ...row });
  const failed = Number(str('gc_soak.failed_pulls'));
  soakRow({
    metric: `GC soak, ${str('gc_soak.minutes')} min: failed pulls of committed artifacts (${str('gc_soak.pushes')} pushes, ${str('gc_soak.pulls')} pulls, ${str('gc_soak.deletes')} deletes, ${str('gc_soak.gc_runs')} collections)`,
    unit: 'count',
    berth: failed,
    target: '0',
    pass: failed === 0,
  });
  const broken = Number(str('gc_soak.invariant_violations')) + Number(str('gc_soak.quota_drift')) + Number(str('gc_soak.errors'));
  soakRow({ metric: 'GC soak: invariant violations + quota drift + unexpected answers', unit: 'count', berth: broken, target: '0', pass: broken === 0 });
}

// ---------------------------------------------------------------- through nginx (Berth only, bench/proxy.ts)
if (raw.has('proxy.nginx_two_replicas.manifest_get.rps')) {
  const proxyRow = (row: Omit<Row, 'distribution' | 'ratio' | 'ratio_definition'>) =>
    rows.push({ distribution: '-', ratio: null, ratio_definition: 'Berth only: through nginx (bench/proxy.ts); best of runs', ...row });
  const best = (key: string) => max(nums(`proxy.${key}`));
  const gets = (target: string) => best(`${target}.manifest_get.rps`);
  const pushes = (target: string) => best(`${target}.push.images_per_second`);
  proxyRow({ metric: 'manifest GET through nginx: two replicas / one replica / one replica direct (wrk -t2 -c32)', unit: 'req/s', berth: `${gets('nginx_two_replicas').toFixed(0)} / ${gets('nginx_one_replica').toFixed(0)} / ${gets('direct_one_replica').toFixed(0)}`, target: '-', pass: null });
  proxyRow({ metric: 'concurrent pushes (8 clients, 64 KiB layer): two replicas / one replica / one replica direct', unit: 'images/s', berth: `${pushes('nginx_two_replicas').toFixed(1)} / ${pushes('nginx_one_replica').toFixed(1)} / ${pushes('direct_one_replica').toFixed(1)}`, target: '-', pass: null });
  const errors = sum(nums('proxy.nginx_two_replicas.manifest_get.non2xx')) + sum(nums('proxy.nginx_one_replica.manifest_get.non2xx')) + sum(nums('proxy.direct_one_replica.manifest_get.non2xx'));
  proxyRow({ metric: 'manifest GETs through nginx not answered 200 (all runs)', unit: 'count', berth: errors, target: '0', pass: errors === 0 });
}

// ---------------------------------------------------------------- printing
function fmt(v: number | string | null, unit = ''): string {
  if (v === null) return '-';
  if (typeof v === 'string') return v;
  if (!Number.isFinite(v)) return 'n/a';
  if (unit === 'x') return v.toFixed(2);
  if (unit === 's') return v.toFixed(2);
  if (Math.abs(v) >= 100) return v.toFixed(0);
  return v.toFixed(1);
}
const table = rows.map((r) => [
  r.metric + (r.unit && r.unit !== 'count' ? ` [${r.unit}]` : ''),
  fmt(r.berth, r.unit),
  fmt(r.distribution, r.unit),
  r.ratio === null ? '-' : r.ratio.toFixed(2),
  r.target,
  r.pass === null ? '-' : r.pass ? 'PASS' : 'FAIL',
]);
const head = ['metric', 'berth', 'distribution', 'ratio', 'target', 'pass/fail'];
const widths = head.map((h, i) => Math.max(h.length, ...table.map((t) => t[i]!.length)));
const line = (cells: string[]) => cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join(' | ');

console.log('');
console.log('Per-run samples (throughput: best of runs is reported; times: fastest run):');
for (const r of rows) {
  if (!r.runs) continue;
  const show = (xs: number[]) => xs.map((x) => fmt(x, r.unit)).join(', ');
  console.log(`  ${r.metric}\n      berth: ${show(r.runs.berth)}${r.median ? `  (median ${fmt(r.median.berth, r.unit)})` : ''}`);
  if (r.runs.distribution !== r.runs.berth && r.runs.distribution.length > 0) console.log(`      distr: ${show(r.runs.distribution)}${r.median ? `  (median ${fmt(r.median.distribution, r.unit)})` : ''}`);
}
console.log('');
console.log('SUMMARY  Berth vs CNCF distribution ' + str('meta.distribution_version').replace(/^.*\s(\S+)$/, '$1'));
console.log(line(head));
console.log(widths.map((w) => '-'.repeat(w)).join('-|-'));
for (const t of table) console.log(line(t));
console.log('');
console.log('Notes:');
console.log('  * ratio = berth/distribution for throughput and req/s; distribution_time/berth_time for skopeo (> 1 means Berth is faster either way).');
console.log('  * Throughput and times are the best of the runs (shared machine: noise only slows runs down); medians are in results.json and above.');
console.log('  * MB = 10^6 bytes. Upload MB/s from curl %{time_total} (POST+PUT: both requests summed); both registries fsync before 201.');
console.log('  * Downloads are timed to /dev/null without hashing; sha256 was verified in a separate untimed run through sha256sum.');
console.log('  * distribution runs WITHOUT auth; Berth checks HTTP Basic credentials on every request (verified credentials are cached, 60 s).');
console.log('  * wrk 4.1 cannot do HEAD (it waits for the Content-Length body), so blob HEAD is measured with ab -k -i -c32 for both.');
console.log(`  * skopeo layers are tar in level-0 gzip, so skopeo uploads them as-is (no recompression); same flags for both, pull = copy to a fresh oci: dir.`);
if (hasApi) {
  console.log(
    `  * API section (Berth only, after the peak RSS reading): pull recording switched through PUT /configurations (pull_time/pull_count/pull_audit_log _disable), off and on alternating; pull audit events while on: +${sum(nums('api.pull_recording_on.audit_delta'))} for ${sum(nums('api.pull_recording_on.requests'))} pulls.`,
  );
  console.log(
    `  * Listings: ${str('meta.seed_artifacts')} artifacts and ${str('meta.seed_repositories')} repositories seeded by bench/seed-artifacts.ts in ${str('meta.seed_seconds')} s (set-based SQL after one real push, then VACUUM ANALYZE); ab percentiles are whole ms; req/s (c4): ${LISTINGS.map((k) => str(`api.list.${k}.rps`)).join(' / ')}; p50 with one client at a time (ab -c1 -n50): ${LISTINGS.map((k) => str(`api.list.${k}.c1_p50_ms`)).join(' / ')} ms. Deep pages use OFFSET: their cost grows with the page number.`,
  );
}
const phases = (raw.get('berth.vmhwm_phase') ?? []).map((v) => v.split(' ')).map(([phase, kib]) => `${phase} ${MB(Number(kib)).toFixed(0)}`);
console.log(`  * Berth VmHWM (MB) after each phase: ${phases.join(', ')}.`);
console.log(`  * peak RSS is the node process only; Berth's embedded PostgreSQL processes add ${MB(Number(str('berth.postgres_rss_kib'))).toFixed(0)} MB summed VmRSS (shared buffers counted per process).`);
console.log(`  * registry data on ${str('meta.data_filesystem')}; skopeo: ${str('meta.skopeo_rounds')} rounds (push and pull), other sections: ${str('meta.repeats')}.`);
console.log(`  * machine: ${str('meta.cpus')} x ${str('meta.cpu_model')}; load average ${str('meta.loadavg_start')} at start, ${str('meta.loadavg_end')} at end; node ${str('meta.node_version')}; ${str('meta.curl_version')}; ${str('meta.skopeo_version')}.`);
if (str('meta.berth_node_flags')) console.log(`  * Berth ran with extra node flags: ${str('meta.berth_node_flags')}`);
console.log(`  * bench wall time ${str('meta.wall_seconds')} s (from registry start to the end of the measurements).`);

const meta: Record<string, string> = {};
for (const [k, v] of raw) if (k.startsWith('meta.')) meta[k.slice(5)] = v[0]!;
const samples: Record<string, number[]> = {};
for (const [k, v] of raw) if (!k.startsWith('meta.') && !k.startsWith('check.') && k !== 'berth.vmhwm_phase') samples[k] = v.map(Number);
mkdirSync(dirname(jsonPath), { recursive: true });
writeFileSync(
  jsonPath,
  `${JSON.stringify(
    {
      generated_at: new Date().toISOString(),
      summary_statistic: 'best of runs (max throughput / min time); medians alongside',
      units: { 'MB/s': '10^6 bytes per second', MB: '10^6 bytes', 's': 'wall-clock seconds' },
      peer_auth: 'distribution: none; berth: HTTP Basic on every request (cached verification)',
      meta,
      berth_vmhwm_mb_after_phase: Object.fromEntries((raw.get('berth.vmhwm_phase') ?? []).map((v) => v.split(' ')).map(([p, k]) => [p, MB(Number(k))])),
      metrics: rows,
      samples,
    },
    null,
    2,
  )}\n`,
);
console.log(`\nwrote ${jsonPath}`);

const failed = rows.filter((r) => r.pass === false);
if (failed.length && process.env.BENCH_STRICT === '1') process.exit(1);
