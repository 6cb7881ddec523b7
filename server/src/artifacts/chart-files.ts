import { gunzipSync } from 'node:zlib';
import { Readable } from 'node:stream';
import tar from 'tar-stream';
import { parse as parseYaml } from 'yaml';

/** Files Harbor shows of a Helm chart: values.yaml, README.md and the dependencies from Chart.yaml. */
export interface ChartFiles {
  values: string | undefined;
  readme: string | undefined;
  dependencies: unknown[];
}

/** Chart packages are small; anything bigger than this unpacked is not read. */
const MAX_UNPACKED = 16 * 1024 * 1024;

/** Reads the top-level files of a chart package (a .tgz whose entries sit under `<chart>/`). */
export async function readChartFiles(packageBytes: Buffer): Promise<ChartFiles> {
  const unpacked = gunzipSync(packageBytes, { maxOutputLength: MAX_UNPACKED });
  const files = new Map<string, string>();
  const extract = tar.extract();
  const done = new Promise<void>((resolve, reject) => {
    extract.on('entry', (header, stream, next) => {
      const parts = header.name.split('/');
      const wanted = parts.length === 2 && ['values.yaml', 'README.md', 'Chart.yaml', 'requirements.yaml'].includes(parts[1]!);
      const chunks: Buffer[] = [];
      stream.on('data', (chunk: unknown) => {
        if (wanted) chunks.push(chunk as Buffer);
      });
      stream.on('end', () => {
        if (wanted) files.set(parts[1]!, Buffer.concat(chunks).toString('utf8'));
        next();
      });
      stream.resume();
    });
    extract.on('finish', resolve);
    extract.on('error', reject);
  });
  Readable.from([unpacked]).pipe(extract);
  await done;
  return { values: files.get('values.yaml'), readme: files.get('README.md'), dependencies: dependenciesOf(files.get('Chart.yaml'), files.get('requirements.yaml')) };
}

function dependenciesOf(...documents: (string | undefined)[]): unknown[] {
  for (const document of documents) {
    if (!document) continue;
    try {
      const parsed = parseYaml(document) as { dependencies?: unknown };
      if (Array.isArray(parsed?.dependencies) && parsed.dependencies.length > 0) return parsed.dependencies;
    } catch {
      // An unparsable Chart.yaml simply has no dependencies to show.
    }
  }
  return [];
}
