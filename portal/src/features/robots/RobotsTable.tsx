import { useState } from 'react';
import { App, Button, Empty, Space, Table, Tag, Typography } from 'antd';
import { CheckCircleOutlined, PlusOutlined, StopOutlined } from '@ant-design/icons';
import { keepPreviousData, useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useTranslation } from 'react-i18next';
import { api, getPage } from '../../api/client.ts';
import type { Project, Robot, RobotCreated } from '../../api/types.ts';
import { DateText } from '../../shared/DateText.tsx';
import { ErrorAlert } from '../../shared/ErrorAlert.tsx';
import { usePaging } from '../../shared/paging.ts';
import { CreateRobotDialog } from './CreateRobotDialog.tsx';
import { RobotSecretDialog } from './RobotSecretDialog.tsx';
import { DeleteButton } from '../../shared/DeleteButton.tsx';

function expiry(robot: Robot): string | undefined {
  return robot.expires_at < 0 ? undefined : new Date(robot.expires_at * 1000).toISOString();
}

/**
 * Robot accounts: one project's (`project` given) or the system's. The caller
 * says what the viewer may do; the server decides in any case.
 */
export function RobotsTable({ project, canCreate, canDelete }: { project?: Project; canCreate: boolean; canDelete: boolean }) {
  const { t } = useTranslation();
  const projectId = project?.project_id;
  /** Where a system robot's permissions apply: the system, all projects, or named projects. */
  const scopes = (robot: Robot) =>
    robot.permissions.map((p) => (p.kind === 'system' ? t('robots.system') : p.namespace === '*' ? t('robots.allProjects') : p.namespace)).join(', ');
  const { message } = App.useApp();
  const queryClient = useQueryClient();
  const paging = usePaging();
  const [creating, setCreating] = useState(false);
  const [created, setCreated] = useState<RobotCreated>();
  const robots = useQuery({
    queryKey: ['robots', projectId ?? 'system', paging.query],
    queryFn: () => getPage<Robot>('/api/v2.0/robots', { ...paging.query, q: project ? `Level=project,ProjectID=${projectId}` : 'Level=system' }),
    placeholderData: keepPreviousData,
  });
  const remove = useMutation({
    mutationFn: (robot: Robot) => api.delete(`/api/v2.0/robots/${robot.id}`),
    onSuccess: async (_data, robot) => {
      void message.success(t('robots.deleted', { name: robot.name }));
      await queryClient.invalidateQueries({ queryKey: ['robots', projectId ?? 'system'] });
    },
  });
  return (
    <>
      <Space style={{ marginBottom: 16 }}>
        {canCreate && (
          <Button type="primary" icon={<PlusOutlined />} onClick={() => setCreating(true)}>
            {t('robots.new')}
          </Button>
        )}
      </Space>
      {robots.isError && <ErrorAlert error={robots.error} />}
      {remove.isError && <ErrorAlert error={remove.error} />}
      <Table<Robot>
        rowKey="id"
        loading={robots.isFetching}
        dataSource={robots.data?.items}
        pagination={paging.pagination(robots.data?.total ?? 0)}
        scroll={{ x: 'max-content' }}
        locale={{ emptyText: <Empty description={t('robots.empty')} /> }}
        columns={[
          { title: t('robots.name'), dataIndex: 'name', render: (name: string) => <Typography.Text code>{name}</Typography.Text> },
          { title: t('robots.status'), dataIndex: 'disable', render: (disabled: boolean) => (disabled ? <Tag icon={<StopOutlined />}>{t('robots.disabled')}</Tag> : <Tag icon={<CheckCircleOutlined />}>{t('robots.enabled')}</Tag>) },
          {
            title: t('robots.permissions'),
            key: 'permissions',
            render: (_, robot) => t('robots.permissionCount', { count: robot.permissions.reduce((sum, p) => sum + p.access.length, 0) }),
          },
          ...(project ? [] : [{ title: t('robots.scope'), key: 'scope', render: (_: unknown, robot: Robot) => scopes(robot) }]),
          { title: t('robots.expires'), key: 'expires', render: (_, robot) => <DateText value={expiry(robot)} /> },
          { title: t('common.created'), dataIndex: 'creation_time', render: (value: string) => <DateText value={value} /> },
          { title: t('robots.description'), dataIndex: 'description', render: (value?: string) => value || '—' },
          {
            title: t('common.actions'),
            key: 'actions',
            render: (_, robot) =>
              canDelete ? (
                <DeleteButton title={t('robots.deleteTitle')} content={t('robots.deleteConfirm', { name: robot.name })} onDelete={() => remove.mutateAsync(robot)} />
              ) : null,
          },
        ]}
      />
      <CreateRobotDialog
        {...(project && { project })}
        open={creating}
        onClose={() => setCreating(false)}
        onCreated={(robot) => {
          setCreating(false);
          setCreated(robot);
        }}
      />
      <RobotSecretDialog robot={created} onClose={() => setCreated(undefined)} />
    </>
  );
}
