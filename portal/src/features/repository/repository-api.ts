import { App } from 'antd';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useTranslation } from 'react-i18next';
import { api, repoPath } from '../../api/client.ts';
import type { Icon } from '../../api/types.ts';

/** /api/v2.0/projects/<project>/repositories/<name, double-encoded>/artifacts */
export function artifactsPath(projectName: string, repositoryName: string): string {
  return `/api/v2.0/projects/${encodeURIComponent(projectName)}/repositories/${repoPath(repositoryName)}/artifacts`;
}

export function useIcon(digest: string | undefined) {
  return useQuery({ queryKey: ['icon', digest], queryFn: () => api.get<Icon>(`/api/v2.0/icons/${digest}`), enabled: !!digest, staleTime: Infinity });
}

/** Adding and removing tags of an artifact; every screen showing artifacts refreshes after a change. */
export function useTagMutations(projectName: string, repositoryName: string) {
  const { t } = useTranslation();
  const { message } = App.useApp();
  const queryClient = useQueryClient();
  const base = artifactsPath(projectName, repositoryName);
  const refresh = async () => {
    await queryClient.invalidateQueries({ queryKey: ['artifacts'] });
    await queryClient.invalidateQueries({ queryKey: ['artifact'] });
  };
  const addTag = useMutation({
    mutationFn: ({ digest, name }: { digest: string; name: string }) => api.post(`${base}/${digest}/tags`, { name }),
    onSuccess: async (_data, { name }) => {
      void message.success(t('tags.added', { name }));
      await refresh();
    },
  });
  const deleteTag = useMutation({
    mutationFn: ({ digest, name }: { digest: string; name: string }) => api.delete(`${base}/${digest}/tags/${encodeURIComponent(name)}`),
    onSuccess: async (_data, { name }) => {
      void message.success(t('tags.deleted', { name }));
      await refresh();
    },
  });
  return { addTag, deleteTag };
}
