import { useState } from 'react';
import { Empty, Table, Typography } from 'antd';
import { keepPreviousData, useQuery } from '@tanstack/react-query';
import { useTranslation } from 'react-i18next';
import { Link } from 'react-router';
import { getPage } from '../../api/client.ts';
import type { Repository } from '../../api/types.ts';
import { DateText } from '../../shared/DateText.tsx';
import { DeleteButton } from '../../shared/DeleteButton.tsx';
import { ErrorAlert } from '../../shared/ErrorAlert.tsx';
import { relativeRepoName, repositoryUrl } from '../../shared/links.ts';
import { usePaging } from '../../shared/paging.ts';
import { useProjectPermissions } from '../../shared/permissions.ts';
import { useDeleteRepository } from '../repository/repository-api.ts';
import { useProjectOfPage } from './project-context.ts';
import { ListSearch } from '../../shared/ListSearch.tsx';

/** Harbor's q syntax takes these characters literally only inside a quoted-free value: keep them out. */
function fuzzyName(search: string): string | undefined {
  const value = search.replace(/[,=~{}()\[\]]/g, '').trim();
  return value ? `name=~${value}` : undefined;
}

export default function RepositoriesTab() {
  const { t } = useTranslation();
  const project = useProjectOfPage();
  const paging = usePaging();
  const [search, setSearch] = useState('');
  const can = useProjectPermissions(project.project_id);
  const remove = useDeleteRepository(project.name);
  const repositories = useQuery({
    queryKey: ['repositories', project.name, search, paging.query],
    queryFn: () => getPage<Repository>(`/api/v2.0/projects/${project.name}/repositories`, { ...paging.query, q: fuzzyName(search) }),
    placeholderData: keepPreviousData,
  });
  return (
    <>
      <div style={{ display: 'flex', justifyContent: 'flex-end', marginBottom: 16 }}>
        <ListSearch label={t('repositories.search')} paging={paging} onSearch={setSearch} />
      </div>
      {repositories.isError && <ErrorAlert error={repositories.error} />}
      {remove.isError && <ErrorAlert error={remove.error} />}
      <Table<Repository>
        rowKey="id"
        loading={repositories.isFetching}
        dataSource={repositories.data?.items}
        pagination={paging.pagination(repositories.data?.total ?? 0)}
        scroll={{ x: 'max-content' }}
        locale={{ emptyText: <Empty description={search ? t('repositories.noMatch') : t('repositories.empty')} /> }}
        columns={[
          {
            title: t('repositories.name'),
            dataIndex: 'name',
            render: (name: string) => <Link to={repositoryUrl(project.project_id, relativeRepoName(project.name, name))}>{name}</Link>,
          },
          { title: t('repositories.artifacts'), dataIndex: 'artifact_count', align: 'right' },
          { title: t('repositories.pulls'), dataIndex: 'pull_count', align: 'right' },
          { title: t('common.updated'), dataIndex: 'update_time', render: (value: string) => <DateText value={value} /> },
          {
            title: t('repositories.description'),
            dataIndex: 'description',
            // Descriptions are user text: shown as text, never as HTML.
            render: (value?: string) => <Typography.Text ellipsis={{ tooltip: value }} style={{ maxWidth: 320 }}>{value || '—'}</Typography.Text>,
          },
          ...(can('repository', 'delete')
            ? [
                {
                  title: t('common.actions'),
                  key: 'actions',
                  render: (_: unknown, repository: Repository) => (
                    <DeleteButton
                      title={t('repository.deleteTitle')}
                      content={t('repository.deleteConfirm', { name: repository.name })}
                      aria-label={t('repository.deleteNamed', { name: repository.name })}
                      onDelete={() => remove.mutateAsync(relativeRepoName(project.name, repository.name))}
                    />
                  ),
                },
              ]
            : []),
        ]}
      />
    </>
  );
}
