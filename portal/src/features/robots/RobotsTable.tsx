import { useState } from 'react';
import { App, Button, Empty, Space, Table, Tag, Typography } from 'antd';
import { CheckCircleOutlined, EditOutlined, KeyOutlined, PlusOutlined, StopOutlined } from '@ant-design/icons';
import { keepPreviousData, useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useTranslation } from 'react-i18next';
import { api, getPage } from '../../api/client.ts';
import type { Project, Robot } from '../../api/types.ts';
import { DateText } from '../../shared/DateText.tsx';
import { ErrorAlert } from '../../shared/ErrorAlert.tsx';
import { usePaging } from '../../shared/paging.ts';
import { DeleteButton } from '../../shared/DeleteButton.tsx';
import { RefreshSecretDialog } from './RefreshSecretDialog.tsx';
import { RobotDialog } from './RobotDialog.tsx';
import { RobotSecretDialog } from './RobotSecretDialog.tsx';
import { updateRobot } from './update-robot.ts';

function expiry(robot: Robot): string | undefined {
  return robot.expires_at < 0 ? undefined : new Date(robot.expires_at * 1000).toISOString();
}

/**
 * Robot accounts: one project's (`project` given) or the system's, created,
 * edited, disabled and enabled, given new secrets and deleted. The caller
 * says what the viewer may do; the server decides in any case.
 */
export function RobotsTable({ project, canCreate, canUpdate, canDelete }: { project?: Project; canCreate: boolean; canUpdate: boolean; canDelete: boolean }) {
  const { t } = useTranslation();
  const projectId = project?.project_id;
  /** Where a system robot's permissions apply: the system, all projects, or named projects. */
  const scopes = (robot: Robot) =>
    robot.permissions.map((p) => (p.kind === 'system' ? t('robots.system') : p.namespace === '*' ? t('robots.allProjects') : p.namespace)).join(', ');
  const { message } = App.useApp();
  const queryClient = useQueryClient();
  const paging = usePaging();
  const [creating, setCreating] = useState(false);
  const [editing, setEditing] = useState<Robot>();
  const [refreshing, setRefreshing] = useState<Robot>();
  const [shown, setShown] = useState<{ name: string; secret: string }>();
  // Kept when the dialog closes, so it keeps its name while it fades out.
  const [refreshed, setRefreshed] = useState(false);
  const robots = useQuery({
    queryKey: ['robots', projectId ?? 'system', paging.query],
    queryFn: () => getPage<Robot>('/api/v2.0/robots', { ...paging.query, q: project ? `Level=project,ProjectID=${projectId}` : 'Level=system' }),
    placeholderData: keepPreviousData,
  });
  const refresh = () => queryClient.invalidateQueries({ queryKey: ['robots', projectId ?? 'system'] });
  const setDisabled = useMutation({
    mutationFn: ({ robot, disable }: { robot: Robot; disable: boolean }) => updateRobot(robot, { disable }),
    onSuccess: async (_data, { robot, disable }) => {
      void message.success(disable ? t('robots.disabledMessage', { name: robot.name }) : t('robots.enabledMessage', { name: robot.name }));
      await refresh();
    },
  });
  const remove = useMutation({
    mutationFn: (robot: Robot) => api.delete(`/api/v2.0/robots/${robot.id}`),
    onSuccess: async (_data, robot) => {
      void message.success(t('robots.deleted', { name: robot.name }));
      await refresh();
    },
  });
  const failure = setDisabled.error ?? remove.error;
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
      {failure && <ErrorAlert error={failure} />}
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
            render: (_, robot) => (
              <Space wrap>
                {canUpdate && (
                  <>
                    <Button size="small" icon={<EditOutlined />} onClick={() => setEditing(robot)}>
                      {t('robots.edit')}
                    </Button>
                    <Button size="small" loading={setDisabled.isPending && setDisabled.variables.robot.id === robot.id} onClick={() => setDisabled.mutate({ robot, disable: !robot.disable })}>
                      {robot.disable ? t('robots.enable') : t('robots.disable')}
                    </Button>
                    <Button size="small" icon={<KeyOutlined />} onClick={() => setRefreshing(robot)}>
                      {t('robots.refreshSecret')}
                    </Button>
                  </>
                )}
                {canDelete && <DeleteButton title={t('robots.deleteTitle')} content={t('robots.deleteConfirm', { name: robot.name })} onDelete={() => remove.mutateAsync(robot)} />}
              </Space>
            ),
          },
        ]}
      />
      <RobotDialog
        {...(project && { project })}
        open={creating}
        onClose={() => setCreating(false)}
        onCreated={(robot) => {
          setCreating(false);
          setRefreshed(false);
          setShown({ name: robot.name, secret: robot.secret });
        }}
      />
      {editing && <RobotDialog key={editing.id} {...(project && { project })} robot={editing} open onClose={() => setEditing(undefined)} />}
      {refreshing && (
        <RefreshSecretDialog
          key={refreshing.id}
          robot={refreshing}
          onClose={() => setRefreshing(undefined)}
          onGenerated={(secret) => {
            setRefreshed(true);
            setShown({ name: refreshing.name, secret });
            setRefreshing(undefined);
          }}
        />
      )}
      <RobotSecretDialog robot={shown} title={refreshed ? t('robots.refreshedTitle') : t('robots.createdTitle')} onClose={() => setShown(undefined)} />
    </>
  );
}
