import { createHash } from 'node:crypto';

/**
 * Berth's built-in artifact icons, one per artifact type (and one for
 * signatures), as Harbor shows them in lists. Icons are small SVGs drawn
 * here; an artifact's `icon` is the digest under which GET /icons/{digest}
 * serves its type's icon. Charts' own icon URLs are never fetched (that
 * would let a chart make Berth request arbitrary URLs).
 */
function badge(label: string, color: string): string {
  return `<svg xmlns="http://www.w3.org/2000/svg" width="64" height="64" viewBox="0 0 64 64"><rect width="64" height="64" rx="12" fill="${color}"/><text x="32" y="39" font-family="sans-serif" font-size="14" font-weight="bold" fill="#fff" text-anchor="middle">${label}</text></svg>`;
}

const SOURCES: Record<string, string> = {
  IMAGE: badge('OCI', '#0072a3'),
  CHART: badge('HELM', '#0f1689'),
  CNAB: badge('CNAB', '#5a6f7b'),
  WASM: badge('WASM', '#654ff0'),
  SBOM: badge('SBOM', '#2e7d32'),
  SIGNATURE: badge('SIG', '#c25400'),
  UNKNOWN: badge('?', '#8c8c8c'),
};

const ICONS = new Map<string, { digest: string; content: string }>(
  Object.entries(SOURCES).map(([type, svg]) => [type, { digest: `sha256:${createHash('sha256').update(svg).digest('hex')}`, content: Buffer.from(svg).toString('base64') }]),
);
const BY_DIGEST = new Map([...ICONS.values()].map((icon) => [icon.digest, icon.content]));

/** The icon digest for an artifact type ("SIGNATURE" for signature accessories). */
export function iconDigest(type: string): string {
  return (ICONS.get(type) ?? ICONS.get('UNKNOWN')!).digest;
}

/** Harbor's Icon JSON for a digest, or undefined. */
export function iconByDigest(digest: string): { 'content-type': string; content: string } | undefined {
  const content = BY_DIGEST.get(digest);
  return content === undefined ? undefined : { 'content-type': 'image/svg+xml', content };
}
