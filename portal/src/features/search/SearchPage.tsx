import { Empty, Spin, Table, Typography } from 'antd';
import { useQuery } from '@tanstack/react-query';
import { useTranslation } from 'react-i18next';
import { Link, useSearchParams } from 'react-router';
import { api } from '../../api/client.ts';
import type { Project, SearchResult } from '../../api/types.ts';
import { AccessTag } from '../../shared/AccessTag.tsx';
import { ErrorAlert } from '../../shared/ErrorAlert.tsx';
import { relativeRepoName, repositoryUrl } from '../../shared/links.ts';
import { usePageTitle } from '../../shared/usePageTitle.ts';

type RepositoryHit = SearchResult['repository'][number];

/** The header's search: projects and repositories the signed-in user may see whose names contain the text. */
export default function SearchPage() {
  const { t } = useTranslation();
  const [params] = useSearchParams();
  const q = (params.get('q') ?? '').trim();
  usePageTitle(t('search.title'));
  const results = useQuery({ queryKey: ['search', q], queryFn: () => api.get<SearchResult>('/api/v2.0/search', { query: { q } }), enabled: q !== '' });
  return (
    <section aria-labelledby="search-title">
      <Typography.Title level={2} id="search-title">
        {q ? t('search.resultsFor', { text: q }) : t('search.title')}
      </Typography.Title>
      {!q && <Empty description={t('search.typeSomething')} />}
      {results.isError && <ErrorAlert error={results.error} />}
      {results.isFetching && <Spin />}
      {results.data && (
        <>
          <Typography.Title level={3} style={{ fontSize: 18 }}>
            {t('search.projects', { count: results.data.project.length })}
          </Typography.Title>
          <Table<Project>
            rowKey="project_id"
            size="small"
            pagination={false}
            dataSource={results.data.project}
            locale={{ emptyText: <Empty description={t('search.noProjects')} /> }}
            columns={[
              { title: t('projects.name'), dataIndex: 'name', render: (name: string, project) => <Link to={`/projects/${project.project_id}/summary`}>{name}</Link> },
              { title: t('projects.access'), key: 'access', render: (_, project) => <AccessTag isPublic={project.metadata?.public === 'true'} /> },
              { title: t('projects.repositories'), dataIndex: 'repo_count', align: 'right' },
            ]}
            style={{ marginBottom: 24 }}
          />
          <Typography.Title level={3} style={{ fontSize: 18 }}>
            {t('search.repositories', { count: results.data.repository.length })}
          </Typography.Title>
          <Table<RepositoryHit>
            rowKey="repository_name"
            size="small"
            pagination={false}
            dataSource={results.data.repository}
            locale={{ emptyText: <Empty description={t('search.noRepositories')} /> }}
            columns={[
              {
                title: t('repositories.name'),
                dataIndex: 'repository_name',
                render: (name: string, hit) => <Link to={repositoryUrl(hit.project_id, relativeRepoName(hit.project_name, name))}>{name}</Link>,
              },
              { title: t('projects.access'), key: 'access', render: (_, hit) => <AccessTag isPublic={hit.project_public} /> },
              { title: t('repositories.artifacts'), dataIndex: 'artifact_count', align: 'right' },
              { title: t('repositories.pulls'), dataIndex: 'pull_count', align: 'right' },
            ]}
          />
        </>
      )}
    </section>
  );
}
