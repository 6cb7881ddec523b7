import type { Artifact, Platform } from '../../api/types.ts';

function platformName(platform: Platform): string {
  return [platform.os, platform.architecture, platform.variant].filter(Boolean).join('/');
}

/** An index lists its children's platforms; an image its own, from its config (extra_attrs). */
export function platformsOf(artifact: Artifact): string[] {
  const children = (artifact.references ?? []).map((reference) => reference.platform).filter((p): p is Platform => !!p);
  if (children.length > 0) return [...new Set(children.map(platformName).filter(Boolean))];
  const attrs = artifact.extra_attrs ?? {};
  const own = platformName({ os: attrs.os as string | undefined, architecture: attrs.architecture as string | undefined, variant: attrs.variant as string | undefined });
  return own ? [own] : [];
}
