import { useState } from 'react';
import { App, Button, Empty, Select, Space, Table, Typography } from 'antd';
import { PlusOutlined } from '@ant-design/icons';
import { keepPreviousData, useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useTranslation } from 'react-i18next';
import { Link } from 'react-router';
import { api, getPage } from '../../api/client.ts';
import { PROJECT_ADMIN, ROLES, type Project } from '../../api/types.ts';
import { useCurrentUser, useSystemInfo } from '../../shared/queries.ts';
import { AccessTag } from '../../shared/AccessTag.tsx';
import { DateText } from '../../shared/DateText.tsx';
import { ErrorAlert } from '../../shared/ErrorAlert.tsx';
import { usePaging } from '../../shared/paging.ts';
import { usePageTitle } from '../../shared/usePageTitle.ts';
import { CreateProjectDialog } from './CreateProjectDialog.tsx';
import { DeleteButton } from '../../shared/DeleteButton.tsx';
import { ListSearch } from '../../shared/ListSearch.tsx';

export default function ProjectsPage() {
  const { t } = useTranslation();
  usePageTitle(t('projects.title'));
  const { message } = App.useApp();
  const queryClient = useQueryClient();
  const paging = usePaging();
  const [search, setSearch] = useState('');
  // Harbor's list filter: every project the caller sees, or only the public or the private ones.
  const [access, setAccess] = useState<'all' | 'true' | 'false'>('all');
  const [creating, setCreating] = useState(false);
  const projects = useQuery({
    queryKey: ['projects', search, access, paging.query],
    queryFn: () => getPage<Project>('/api/v2.0/projects', { ...paging.query, name: search, public: access === 'all' ? undefined : access, with_detail: true }),
    placeholderData: keepPreviousData,
  });
  const remove = useMutation({
    mutationFn: (project: Project) => api.delete(`/api/v2.0/projects/${project.project_id}`),
    onSuccess: async (_data, project) => {
      void message.success(t('projects.deleted', { name: project.name }));
      await queryClient.invalidateQueries({ queryKey: ['projects'] });
    },
  });
  // Shown only what the server would allow: creating unless restricted to administrators, deleting to project admins.
  const sysadmin = useCurrentUser().data?.sysadmin_flag ?? false;
  const restriction = useSystemInfo().data?.project_creation_restriction;
  const mayCreate = sysadmin || restriction !== 'adminonly';
  const mayDelete = (project: Project) => sysadmin || project.current_user_role_id === PROJECT_ADMIN;
  const roleName = (project: Project) => {
    const role = ROLES.find((r) => r.id === project.current_user_role_id);
    return role ? t(`roles.${role.key}`) : '—';
  };

  return (
    <section aria-labelledby="projects-title">
      <Typography.Title level={2} id="projects-title">
        {t('projects.title')}
      </Typography.Title>
      <Space style={{ marginBottom: 16, width: '100%', justifyContent: 'space-between' }} wrap>
        {mayCreate ? (
          <Button type="primary" icon={<PlusOutlined />} onClick={() => setCreating(true)}>
            {t('projects.new')}
          </Button>
        ) : (
          <span />
        )}
        <Space wrap>
          <Select
            aria-label={t('projects.show')}
            value={access}
            onChange={(value) => {
              setAccess(value);
              paging.reset();
            }}
            options={[
              { value: 'all', label: t('projects.all') },
              { value: 'true', label: t('projects.publicOnly') },
              { value: 'false', label: t('projects.privateOnly') },
            ]}
            style={{ width: 200 }}
          />
          <ListSearch label={t('projects.search')} paging={paging} onSearch={setSearch} />
        </Space>
      </Space>
      {projects.isError && <ErrorAlert error={projects.error} />}
      {remove.isError && <ErrorAlert error={remove.error} title={t('projects.deleteFailed')} />}
      <Table<Project>
        rowKey="project_id"
        loading={projects.isFetching}
        dataSource={projects.data?.items}
        pagination={paging.pagination(projects.data?.total ?? 0)}
        locale={{ emptyText: <Empty description={search ? t('projects.noMatch') : t('projects.empty')} /> }}
        scroll={{ x: 'max-content' }}
        columns={[
          { title: t('projects.name'), dataIndex: 'name', render: (name: string, project) => <Link to={`/projects/${project.project_id}/summary`}>{name}</Link> },
          {
            title: t('projects.access'),
            key: 'access',
            render: (_, project) => <AccessTag isPublic={project.metadata?.public === 'true'} />,
          },
          { title: t('projects.role'), key: 'role', render: (_, project) => roleName(project) },
          { title: t('projects.repositories'), dataIndex: 'repo_count', align: 'right' },
          { title: t('common.created'), dataIndex: 'creation_time', render: (value: string) => <DateText value={value} /> },
          {
            title: t('common.actions'),
            key: 'actions',
            render: (_, project) =>
              mayDelete(project) && (
                <DeleteButton title={t('projects.deleteTitle')} content={t('projects.deleteConfirm', { name: project.name })} onDelete={() => remove.mutateAsync(project)} />
              ),
          },
        ]}
      />
      <CreateProjectDialog open={creating} onClose={() => setCreating(false)} />
    </section>
  );
}
