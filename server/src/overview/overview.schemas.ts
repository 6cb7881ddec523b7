import { z } from 'zod';
import { Project } from '../projects/projects.schemas.ts';

const SearchRepository = z
  .object({ project_id: z.int(), project_name: z.string(), project_public: z.boolean(), repository_name: z.string(), pull_count: z.int(), artifact_count: z.int() })
  .meta({ id: 'SearchRepository' });

/** Harbor's Search: projects and repositories the caller may see whose names contain q. */
export const Search = z.object({ project: z.array(Project), repository: z.array(SearchRepository) }).meta({ id: 'Search' });

/** Harbor's Statistic; the totals are 0 for callers other than system administrators. */
export const Statistic = z
  .object({
    private_project_count: z.int(),
    private_repo_count: z.int(),
    public_project_count: z.int(),
    public_repo_count: z.int(),
    total_project_count: z.int(),
    total_repo_count: z.int(),
    total_storage_consumption: z.int(),
  })
  .meta({ id: 'Statistic' });
