import type { ParsedManifest } from './manifest.ts';

/** Harbor's artifact types, decided by media types as its artifact processors do. */
export type ArtifactType = 'IMAGE' | 'CHART' | 'CNAB' | 'WASM' | 'SBOM' | 'UNKNOWN';

const IMAGE_CONFIGS = ['application/vnd.oci.image.config.v1+json', 'application/vnd.docker.container.image.v1+json'];
const CHART_CONFIGS = ['application/vnd.cncf.helm.config.v1+json'];
const CNAB_CONFIGS = ['application/vnd.cnab.config.v1+json', 'application/vnd.cnab.manifest.v1'];
const WASM_CONFIGS = ['application/vnd.wasm.config.v1+json', 'application/vnd.module.wasm.config.v1+json'];
const SBOM_TYPES = ['application/vnd.goharbor.harbor.sbom.v1', 'application/spdx+json', 'application/vnd.cyclonedx+json', 'application/vnd.syft+json'];

export const HELM_CHART_LAYER = 'application/vnd.cncf.helm.chart.content.v1.tar+gzip';

export function artifactTypeOf(manifest: ParsedManifest): ArtifactType {
  if (manifest.kind === 'index') {
    // A CNAB bundle is an index whose annotations name the CNAB runtime.
    return manifest.annotations?.['io.cnab.runtime_version'] !== undefined ? 'CNAB' : 'IMAGE';
  }
  const config = manifest.config?.mediaType ?? '';
  const declared = manifest.artifactType ?? '';
  if (SBOM_TYPES.includes(declared) || SBOM_TYPES.includes(config)) return 'SBOM';
  if (IMAGE_CONFIGS.includes(config) && (declared === '' || declared === config)) return 'IMAGE';
  if (CHART_CONFIGS.includes(config)) return 'CHART';
  if (CNAB_CONFIGS.includes(config)) return 'CNAB';
  if (WASM_CONFIGS.includes(config)) return 'WASM';
  return 'UNKNOWN';
}

/** Whether the config blob carries attributes Harbor shows (and so is worth reading at push). */
export function hasDescriptiveConfig(type: ArtifactType): boolean {
  return type === 'IMAGE' || type === 'CHART' || type === 'WASM';
}

/** Harbor's image processor writes exactly these; other keys of the config are not Harbor's `extra_attrs`. */
const IMAGE_ATTRS = ['architecture', 'os', 'author', 'created', 'config'];
/** Where Harbor looks for an image's author when the config names none: these labels, in order. */
const AUTHOR_LABELS = ['org.opencontainers.image.authors', 'maintainer'];
const CHART_ATTRS = ['apiVersion', 'name', 'version', 'kubeVersion', 'description', 'type', 'keywords', 'home', 'sources', 'dependencies', 'maintainers', 'icon', 'appVersion', 'deprecated', 'annotations'];

/** Harbor's `extra_attrs`: chosen fields of the config (images: platform, author, creation, runtime config; charts: Chart.yaml). */
export function extraAttrsOf(type: ArtifactType, config: Buffer): Record<string, unknown> | null {
  let json: unknown;
  try {
    json = JSON.parse(config.toString('utf8'));
  } catch {
    return null;
  }
  if (!json || typeof json !== 'object' || Array.isArray(json)) return null;
  const source = json as Record<string, unknown>;
  const keys = type === 'IMAGE' ? IMAGE_ATTRS : type === 'CHART' ? CHART_ATTRS : Object.keys(source);
  const attrs: Record<string, unknown> = {};
  for (const key of keys) if (source[key] !== undefined) attrs[key] = source[key];
  if (type === 'IMAGE' && !attrs.author) {
    const labels = (source.config as { Labels?: Record<string, unknown> } | undefined)?.Labels;
    const label = AUTHOR_LABELS.map((name) => labels?.[name]).find((value) => typeof value === 'string' && value !== '');
    if (label !== undefined) attrs.author = label;
  }
  return attrs;
}

/** The build history an image's config records (Harbor's build_history addition). */
export function buildHistoryOf(config: Buffer): unknown[] {
  try {
    const json = JSON.parse(config.toString('utf8')) as { history?: unknown };
    return Array.isArray(json.history) ? json.history : [];
  } catch {
    return [];
  }
}
