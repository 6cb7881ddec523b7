import { Checkbox, Form, Input, InputNumber, Modal, Switch, Table, Typography } from 'antd';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useTranslation } from 'react-i18next';
import { api } from '../../api/client.ts';
import type { Permission, Project, RobotCreated } from '../../api/types.ts';
import { ErrorAlert } from '../../shared/ErrorAlert.tsx';

type Access = Record<string, string[]>;

interface RobotForm {
  name: string;
  description: string;
  never: boolean;
  days: number;
  access: Access;
  systemAccess: Access;
}

/** What a new robot holds unless changed: pull and push, as CI robots usually need. */
const DEFAULT_ACCESS: Access = { repository: ['pull', 'push'], artifact: ['read', 'list'], tag: ['list'] };
const ROBOT_NAME = /^[a-z0-9]+(?:[._-][a-z0-9]+)*$/;
const ACTIONS = ['create', 'read', 'update', 'delete', 'list', 'push', 'pull', 'operate', 'stop'];

const accessList = (access: Access | undefined) => Object.entries(access ?? {}).flatMap(([resource, actions]) => (actions ?? []).map((action) => ({ resource, action })));

/** Resources and their grantable actions as a table of checkboxes bound to the form field `field`. */
function AccessTable({ field, permissions, loading }: { field: 'access' | 'systemAccess'; permissions: Permission[]; loading: boolean }) {
  const { t } = useTranslation();
  const resources = new Map<string, string[]>();
  for (const { resource, action } of permissions) resources.set(resource, [...(resources.get(resource) ?? []), action]);
  const actionLabel = (action: string) => (ACTIONS.includes(action) ? t(`actions.${action}`) : action);
  return (
    <Table
      size="small"
      rowKey="resource"
      pagination={false}
      loading={loading}
      scroll={{ y: 280 }}
      dataSource={[...resources].map(([resource, actions]) => ({ resource, actions }))}
      columns={[
        { title: t('robots.resource'), dataIndex: 'resource', render: (resource: string) => <Typography.Text code>{resource}</Typography.Text> },
        {
          title: t('robots.actions'),
          key: 'actions',
          render: (_, row) => (
            <Form.Item name={[field, row.resource]} noStyle>
              <Checkbox.Group aria-label={row.resource} options={row.actions.map((action) => ({ value: action, label: actionLabel(action) }))} />
            </Form.Item>
          ),
        },
      ]}
    />
  );
}

/**
 * A new robot account: a project's (its one project) or, without `project`,
 * a system robot, holding the chosen project permissions in every project
 * and the chosen system permissions.
 */
export function CreateRobotDialog({ project, open, onClose, onCreated }: { project?: Project; open: boolean; onClose(): void; onCreated(robot: RobotCreated): void }) {
  const { t } = useTranslation();
  const queryClient = useQueryClient();
  const [form] = Form.useForm<RobotForm>();
  const never = Form.useWatch('never', form) ?? true;
  const grantable = useQuery({
    queryKey: ['grantable-permissions'],
    queryFn: () => api.get<{ project?: Permission[]; system?: Permission[] }>('/api/v2.0/permissions'),
    enabled: open,
    staleTime: Infinity,
  });
  const create = useMutation({
    mutationFn: (values: RobotForm) =>
      api.post<RobotCreated>('/api/v2.0/robots', {
        name: values.name,
        description: values.description ?? '',
        level: project ? 'project' : 'system',
        duration: values.never ? -1 : values.days,
        disable: false,
        permissions: project
          ? [{ kind: 'project', namespace: project.name, access: accessList(values.access) }]
          : [
              ...(accessList(values.systemAccess).length > 0 ? [{ kind: 'system', namespace: '/', access: accessList(values.systemAccess) }] : []),
              ...(accessList(values.access).length > 0 ? [{ kind: 'project', namespace: '*', access: accessList(values.access) }] : []),
            ],
      }),
    onSuccess: async (robot) => {
      await queryClient.invalidateQueries({ queryKey: ['robots'] });
      form.resetFields();
      onCreated(robot);
    },
  });
  const close = () => {
    create.reset();
    onClose();
  };
  return (
    <Modal title={t('robots.newTitle')} open={open} onCancel={close} onOk={() => form.submit()} okText={t('common.create')} cancelText={t('common.cancel')} confirmLoading={create.isPending} width={720} destroyOnHidden>
      {create.isError && <ErrorAlert error={create.error} />}
      {grantable.isError && <ErrorAlert error={grantable.error} />}
      <Form<RobotForm> form={form} layout="vertical" initialValues={{ never: true, days: 30, access: DEFAULT_ACCESS, systemAccess: {} }} onFinish={(values) => create.mutate(values)}>
        <Form.Item
          label={t('robots.name')}
          name="name"
          extra={project ? t('robots.nameRule') : t('robots.systemNameRule')}
          rules={[
            { required: true, message: t('common.required') },
            { pattern: ROBOT_NAME, message: project ? t('robots.nameRule') : t('robots.systemNameRule') },
          ]}
        >
          <Input autoFocus />
        </Form.Item>
        <Form.Item label={t('robots.description')} name="description">
          <Input />
        </Form.Item>
        <Form.Item label={t('robots.neverExpires')} name="never" valuePropName="checked">
          <Switch />
        </Form.Item>
        {!never && (
          <Form.Item label={t('robots.days')} name="days" rules={[{ required: true, message: t('common.required') }]}>
            <InputNumber min={1} max={36500} />
          </Form.Item>
        )}
        <Typography.Title level={3} style={{ fontSize: 16 }}>
          {project ? t('robots.permissions') : t('robots.allProjectsPermissions')}
        </Typography.Title>
        <AccessTable field="access" permissions={grantable.data?.project ?? []} loading={grantable.isPending} />
        {!project && (
          <>
            <Typography.Title level={3} style={{ fontSize: 16, marginTop: 16 }}>
              {t('robots.systemPermissions')}
            </Typography.Title>
            <AccessTable field="systemAccess" permissions={grantable.data?.system ?? []} loading={grantable.isPending} />
          </>
        )}
      </Form>
    </Modal>
  );
}
