import { useQuery, type QueryClient } from '@tanstack/react-query';
import { api, ApiError } from '../api/client.ts';
import type { CurrentUser, SystemInfo } from '../api/types.ts';

export function useSystemInfo() {
  return useQuery({ queryKey: ['systeminfo'], queryFn: () => api.get<SystemInfo>('/api/v2.0/systeminfo', { allowUnauthorized: true }), staleTime: 60_000 });
}

const CURRENT_USER = ['current-user'];

/**
 * Who is signed in: the user, or null for nobody. A 401 here is that answer,
 * never a failure, so no screen can show "authentication required" as an
 * error; whichever request learns first that the session is gone settles it
 * for every screen (one query, shared by all of them).
 */
async function fetchCurrentUser(): Promise<CurrentUser | null> {
  try {
    return await api.get<CurrentUser>('/api/v2.0/users/current', { allowUnauthorized: true });
  } catch (failure) {
    if (failure instanceof ApiError && failure.status === 401) return null;
    throw failure;
  }
}

export function useCurrentUser() {
  return useQuery({ queryKey: CURRENT_USER, queryFn: fetchCurrentUser, staleTime: 60_000 });
}

/**
 * Nobody is signed in any more: the shell goes to sign-in, and everything the
 * last user saw is forgotten. The current user is set, not removed: the
 * shell watches that very query, and a query removed and made anew would
 * reach the shell only at its next render, which nothing may cause.
 */
export function markSignedOut(queryClient: QueryClient): void {
  queryClient.setQueryData<CurrentUser | null>(CURRENT_USER, null);
  queryClient.removeQueries({ predicate: (query) => query.queryKey[0] !== CURRENT_USER[0] });
}

/** host[:port] for pull commands: the configured external URL's, else the one this page came from. */
export function useRegistryHost(): string {
  const { data } = useSystemInfo();
  return data?.registry_url ?? window.location.host;
}
