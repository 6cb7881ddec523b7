import { z } from 'zod';
import { pagingQuery, filterQuery } from '../http/openapi.ts';
import { Label } from '../labels/label-response.ts';

/** Path parameters of repository routes; repository_name double-encodes its slashes (a%252Fb), as Harbor's clients send it. */
export const repositoryParams = z.object({ project_name: z.string(), repository_name: z.string().meta({ description: 'the name within the project, slashes encoded twice (%252F)' }) });
export const artifactParams = repositoryParams.extend({ reference: z.string().meta({ description: 'a digest or a tag' }) });

/** Harbor's Repository (artifacts.routes.ts repositoryResponse). */
export const Repository = z
  .object({
    id: z.int(),
    project_id: z.int(),
    name: z.string(),
    description: z.string(),
    artifact_count: z.int(),
    pull_count: z.int(),
    creation_time: z.iso.datetime(),
    update_time: z.iso.datetime(),
  })
  .meta({ id: 'Repository' });

/** A time Harbor writes as Go's zero time (0001-01-01T00:00:00Z) when it never happened. */
const time = z.iso.datetime();

export const Tag = z
  .object({ id: z.int(), repository_id: z.int(), artifact_id: z.int(), name: z.string(), push_time: time, pull_time: time, immutable: z.boolean() })
  .meta({ id: 'Tag' });

export const Accessory = z
  .object({
    id: z.int(),
    artifact_id: z.int(),
    subject_artifact_id: z.int(),
    subject_artifact_digest: z.string(),
    subject_artifact_repo: z.string(),
    size: z.int(),
    digest: z.string(),
    type: z.string().meta({ description: 'signature.cosign, signature.notation, harbor.sbom or subject.accessory' }),
    icon: z.string(),
    creation_time: time,
  })
  .meta({ id: 'Accessory' });

/** An OCI platform as the index states it; its fields pass through as they are. */
const Platform = z
  .object({ architecture: z.string(), os: z.string(), 'os.version': z.string().optional(), 'os.features': z.array(z.string()).optional(), variant: z.string().optional() })
  .loose()
  .meta({ id: 'Platform' });

const Reference = z
  .object({
    parent_id: z.int(),
    child_id: z.int(),
    child_digest: z.string(),
    platform: Platform.optional(),
    annotations: z.record(z.string(), z.string()).optional(),
    urls: z.array(z.string()).optional(),
  })
  .meta({ id: 'Reference' });

export const AdditionLink = z.object({ href: z.string(), absolute: z.boolean() }).meta({ id: 'AdditionLink' });

/** Harbor's Artifact (artifacts.routes.ts artifactResponse); tags, labels and accessories only when asked for. */
export const Artifact = z
  .object({
    id: z.int(),
    type: z.string(),
    media_type: z.string(),
    manifest_media_type: z.string(),
    artifact_type: z.string(),
    project_id: z.int(),
    repository_id: z.int(),
    repository_name: z.string(),
    digest: z.string(),
    size: z.int(),
    icon: z.string(),
    push_time: time,
    pull_time: time,
    extra_attrs: z.record(z.string(), z.unknown()),
    annotations: z.record(z.string(), z.string()),
    references: z.array(Reference),
    tags: z.array(Tag).optional(),
    addition_links: z.record(z.string(), AdditionLink),
    labels: z.array(Label).optional(),
    accessories: z.array(Accessory).optional(),
  })
  .meta({ id: 'Artifact' });

export const Icon = z.object({ 'content-type': z.string(), content: z.string().meta({ description: 'the icon, base64' }) }).meta({ id: 'Icon' });

const flag = (description?: string) => z.boolean().optional().meta(description ? { description } : {});

/** The with_* switches of artifact listings; those about scanning are accepted and change nothing yet. */
export const artifactViewQuery = {
  with_tag: flag(),
  with_label: flag(),
  with_accessory: flag(),
  with_scan_overview: flag('accepted; no effect until scanning exists'),
  with_sbom_overview: flag('accepted; no effect until scanning exists'),
  with_immutable_status: flag("each tag's immutable: whether an enabled immutable tag rule holds it (false without this)"),
  with_inherited_accessory: flag('accepted; no effect yet'),
};

export const listQuery = { ...filterQuery, ...pagingQuery };
