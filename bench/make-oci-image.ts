/**
 * Builds an OCI image layout for the skopeo push/pull measurement.
 *
 *   node bench/make-oci-image.ts <layout-dir> <tag> <layers> <MiB-per-layer>
 *
 * Each layer is a real tar archive (made by tar(1)) holding one file of random
 * bytes, wrapped in gzip at level 0 (stored deflate blocks). The layers are
 * thus already "compressed" as far as skopeo is concerned, so it uploads them
 * byte for byte instead of spending the run gzip-compressing random data, and
 * the layer digests in the registry equal the ones here. Prints the manifest
 * digest.
 */
import { spawnSync } from 'node:child_process';
import { createHash, randomFillSync } from 'node:crypto';
import { closeSync, mkdirSync, mkdtempSync, openSync, readFileSync, rmSync, writeFileSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync, constants } from 'node:zlib';

const [dir, tag, layersArg, mibArg] = process.argv.slice(2);
if (!dir || !tag || !layersArg || !mibArg) {
  console.error('usage: make-oci-image.ts <layout-dir> <tag> <layers> <MiB-per-layer>');
  process.exit(2);
}
const layers = Number(layersArg);
const mib = Number(mibArg);

const blobs = join(dir, 'blobs', 'sha256');
mkdirSync(blobs, { recursive: true });
writeFileSync(join(dir, 'oci-layout'), JSON.stringify({ imageLayoutVersion: '1.0.0' }));
const work = mkdtempSync(`${dir}.work.`);

const sha256 = (data: Buffer) => createHash('sha256').update(data).digest('hex');
function storeBlob(data: Buffer): { digest: string; size: number } {
  const hex = sha256(data);
  writeFileSync(join(blobs, hex), data);
  return { digest: `sha256:${hex}`, size: data.length };
}

try {
  const layerDescriptors = [];
  const diffIds = [];
  for (let i = 1; i <= layers; i++) {
    const root = join(work, `layer${i}`);
    mkdirSync(join(root, 'data'), { recursive: true });
    const file = join(root, 'data', `random-${i}.bin`);
    const fd = openSync(file, 'w');
    const chunk = Buffer.allocUnsafe(4 * 1024 * 1024);
    for (let written = 0; written < mib * 1024 * 1024; written += chunk.length) writeSync(fd, randomFillSync(chunk));
    closeSync(fd);
    const tarPath = join(work, `layer${i}.tar`);
    const tar = spawnSync('tar', ['--sort=name', '--owner=0', '--group=0', '--numeric-owner', '--mtime=@0', '-C', root, '-cf', tarPath, 'data'], { stdio: 'inherit' });
    if (tar.status !== 0) throw new Error(`tar failed for layer ${i}`);
    rmSync(root, { recursive: true });
    const tarBytes = readFileSync(tarPath);
    rmSync(tarPath);
    diffIds.push(`sha256:${sha256(tarBytes)}`);
    const gz = gzipSync(tarBytes, { level: constants.Z_NO_COMPRESSION });
    layerDescriptors.push({ mediaType: 'application/vnd.oci.image.layer.v1.tar+gzip', ...storeBlob(gz) });
  }
  const config = Buffer.from(
    JSON.stringify({ architecture: 'amd64', os: 'linux', config: { Cmd: ['/bin/true'] }, rootfs: { type: 'layers', diff_ids: diffIds }, history: [] }),
  );
  const manifest = Buffer.from(
    JSON.stringify({
      schemaVersion: 2,
      mediaType: 'application/vnd.oci.image.manifest.v1+json',
      config: { mediaType: 'application/vnd.oci.image.config.v1+json', ...storeBlob(config) },
      layers: layerDescriptors,
    }),
  );
  const m = storeBlob(manifest);
  writeFileSync(
    join(dir, 'index.json'),
    JSON.stringify({
      schemaVersion: 2,
      manifests: [{ mediaType: 'application/vnd.oci.image.manifest.v1+json', ...m, annotations: { 'org.opencontainers.image.ref.name': tag } }],
    }),
  );
  const total = layerDescriptors.reduce((sum, l) => sum + l.size, 0);
  console.error(`built ${dir}:${tag}: ${layers} layers, ${(total / 1048576).toFixed(1)} MiB, manifest ${m.digest}`);
  console.log(m.digest);
} finally {
  rmSync(work, { recursive: true, force: true });
}
