import { App } from 'antd';
import { useMutation, useQuery } from '@tanstack/react-query';
import { useTranslation } from 'react-i18next';
import { api, getPage } from '../../api/client.ts';
import type { Label, LabelDetail } from '../../api/types.ts';
import { artifactsPath, useRefreshArtifacts } from './repository-api.ts';

/** Harbor's largest page: labels are few, so a handful of pages at most. */
const PAGE_SIZE = 100;

async function allLabels(scope: { scope: 'g' } | { scope: 'p'; project_id: number }): Promise<LabelDetail[]> {
  const labels: LabelDetail[] = [];
  for (let page = 1; ; page++) {
    const { items, total } = await getPage<LabelDetail>('/api/v2.0/labels', { ...scope, page, page_size: PAGE_SIZE });
    labels.push(...items);
    if (items.length < PAGE_SIZE || labels.length >= total) return labels;
  }
}

export interface AssignableLabels {
  global: LabelDetail[];
  project: LabelDetail[];
}

/**
 * The labels a project's artifacts may carry: the global ones and the
 * project's own (asked for only by those who may list them). Keyed under
 * 'labels', so creating or editing a label anywhere refreshes them.
 */
export function useAssignableLabels(projectId: number, canListProjectLabels: boolean): AssignableLabels {
  const global = useQuery({ queryKey: ['labels', 'assignable', 'g'], queryFn: () => allLabels({ scope: 'g' }) });
  const project = useQuery({
    queryKey: ['labels', 'assignable', 'p', projectId],
    queryFn: () => allLabels({ scope: 'p', project_id: projectId }),
    enabled: canListProjectLabels,
  });
  return { global: global.data ?? [], project: project.data ?? [] };
}

/** Attaching a label to an artifact and taking it off again. */
export function useArtifactLabelMutations(projectName: string, repositoryName: string) {
  const { t } = useTranslation();
  const { message } = App.useApp();
  const refresh = useRefreshArtifacts();
  const base = artifactsPath(projectName, repositoryName);
  const attach = useMutation({
    mutationFn: ({ digest, label }: { digest: string; label: Label }) => api.post(`${base}/${digest}/labels`, { id: label.id }),
    onSuccess: async (_data, { label }) => {
      void message.success(t('artifactLabels.attached', { name: label.name }));
      await refresh();
    },
  });
  const detach = useMutation({
    mutationFn: ({ digest, label }: { digest: string; label: Label }) => api.delete(`${base}/${digest}/labels/${label.id}`),
    onSuccess: async (_data, { label }) => {
      void message.success(t('artifactLabels.detached', { name: label.name }));
      await refresh();
    },
  });
  return { attach, detach };
}
