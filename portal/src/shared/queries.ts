import { useQuery } from '@tanstack/react-query';
import { api } from '../api/client.ts';
import type { CurrentUser, SystemInfo } from '../api/types.ts';

export function useSystemInfo() {
  return useQuery({ queryKey: ['systeminfo'], queryFn: () => api.get<SystemInfo>('/api/v2.0/systeminfo', { allowUnauthorized: true }), staleTime: 60_000 });
}

export function useCurrentUser() {
  return useQuery({ queryKey: ['current-user'], queryFn: () => api.get<CurrentUser>('/api/v2.0/users/current'), staleTime: 60_000 });
}

/** host[:port] for pull commands: the configured external URL's, else the one this page came from. */
export function useRegistryHost(): string {
  const { data } = useSystemInfo();
  return data?.registry_url ?? window.location.host;
}
