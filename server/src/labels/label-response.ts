import { z } from 'zod';
import type { LabelRow } from './labels.store.ts';

/** Harbor's Label, as /labels and artifacts (with_label=true) show it; global labels have project_id 0. */
export function labelResponse(label: LabelRow): Record<string, unknown> {
  return {
    id: Number(label.id),
    name: label.name,
    description: label.description,
    color: label.color,
    scope: label.scope,
    project_id: label.projectId === null ? 0 : Number(label.projectId),
    creation_time: label.createdAt.toISOString(),
    update_time: label.updatedAt.toISOString(),
  };
}

/** The schema of labelResponse, for the API document. */
export const Label = z
  .object({
    id: z.int(),
    name: z.string(),
    description: z.string(),
    color: z.string(),
    scope: z.enum(['g', 'p']).meta({ description: 'g: global, p: project' }),
    project_id: z.int(),
    creation_time: z.iso.datetime(),
    update_time: z.iso.datetime(),
  })
  .meta({ id: 'Label' });
