import { useQuery } from '@tanstack/react-query';
import { useOutletContext, useParams } from 'react-router';
import { api } from '../../api/client.ts';
import type { Project, ProjectSummary } from '../../api/types.ts';

export function useProjectId(): number {
  return Number(useParams().projectId);
}

export function useProject(projectId: number) {
  return useQuery({ queryKey: ['project', projectId], queryFn: () => api.get<Project>(`/api/v2.0/projects/${projectId}`), enabled: Number.isInteger(projectId) });
}

/** The project the tabs belong to, loaded once by ProjectPage. */
export function useProjectOfPage(): Project {
  return useOutletContext<Project>();
}

/** Counts and quota of the project (GET …/summary), shared by the summary and configuration tabs. */
export function useProjectSummary(projectId: number) {
  return useQuery({ queryKey: ['project-summary', projectId], queryFn: () => api.get<ProjectSummary>(`/api/v2.0/projects/${projectId}/summary`) });
}
