import { useQuery } from '@tanstack/react-query';
import { api } from '../api/client.ts';
import type { Permission } from '../api/types.ts';

/** What the signed-in user may do in a project, to show only the actions the server would allow. */
export function useProjectPermissions(projectId: number | undefined) {
  const { data } = useQuery({
    queryKey: ['permissions', projectId],
    queryFn: () => api.get<Permission[]>('/api/v2.0/users/current/permissions', { query: { scope: `/project/${projectId}`, relative: true } }),
    enabled: projectId !== undefined,
    staleTime: 60_000,
  });
  return (resource: string, action: string) => data?.some((p) => p.resource === resource && (p.action === action || p.action === '*')) ?? false;
}
