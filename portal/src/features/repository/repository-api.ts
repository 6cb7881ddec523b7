import { App } from 'antd';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useTranslation } from 'react-i18next';
import { api, repoPath } from '../../api/client.ts';
import type { Icon } from '../../api/types.ts';

/** /api/v2.0/projects/<project>/repositories/<name, double-encoded> */
export function repositoryPath(projectName: string, repositoryName: string): string {
  return `/api/v2.0/projects/${encodeURIComponent(projectName)}/repositories/${repoPath(repositoryName)}`;
}

/** /api/v2.0/projects/<project>/repositories/<name, double-encoded>/artifacts */
export function artifactsPath(projectName: string, repositoryName: string): string {
  return `${repositoryPath(projectName, repositoryName)}/artifacts`;
}

export function useIcon(digest: string | undefined) {
  return useQuery({ queryKey: ['icon', digest], queryFn: () => api.get<Icon>(`/api/v2.0/icons/${digest}`), enabled: !!digest, staleTime: Infinity });
}

/** Every screen showing artifacts (the lists and the detail page) reloads after one changed. */
export function useRefreshArtifacts() {
  const queryClient = useQueryClient();
  return async () => {
    await queryClient.invalidateQueries({ queryKey: ['artifacts'] });
    await queryClient.invalidateQueries({ queryKey: ['artifact'] });
  };
}

/** Adding and removing tags of an artifact. */
export function useTagMutations(projectName: string, repositoryName: string) {
  const { t } = useTranslation();
  const { message } = App.useApp();
  const refresh = useRefreshArtifacts();
  const base = artifactsPath(projectName, repositoryName);
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

/**
 * Deleting a repository (its name relative to the project) with all its
 * artifacts; the lists, counts and quota that showed it reload. (Not the
 * repository's own queries: they would only fetch a 404 before the screen
 * that showed it is left.)
 */
export function useDeleteRepository(projectName: string) {
  const { t } = useTranslation();
  const { message } = App.useApp();
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: (repositoryName: string) => api.delete(repositoryPath(projectName, repositoryName)),
    onSuccess: async (_data, repositoryName) => {
      void message.success(t('repository.deleted', { name: `${projectName}/${repositoryName}` }));
      await Promise.all(['repositories', 'projects', 'project', 'project-summary'].map((key) => queryClient.invalidateQueries({ queryKey: [key] })));
    },
  });
}
