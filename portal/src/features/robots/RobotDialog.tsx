import { Alert, App, Checkbox, Form, Input, InputNumber, Switch, Table, Typography } from 'antd';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useTranslation } from 'react-i18next';
import { api } from '../../api/client.ts';
import type { Permission, Project, Robot, RobotCreated } from '../../api/types.ts';
import { ErrorAlert } from '../../shared/ErrorAlert.tsx';
import { FormDialog } from '../../shared/FormDialog.tsx';
import { updateRobot } from './update-robot.ts';

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
const NEW_ROBOT: Partial<RobotForm> = { never: true, days: 30, access: DEFAULT_ACCESS, systemAccess: {} };
const ROBOT_NAME = /^[a-z0-9]+(?:[._-][a-z0-9]+)*$/;
const ACTIONS = ['create', 'read', 'update', 'delete', 'list', 'push', 'pull', 'operate', 'stop'];

type RobotPermissions = Robot['permissions'];

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

/** The permissions a form's checkboxes stand for: the one project's, or all projects' and the system's. */
function permissionsOf(values: RobotForm, project: Project | undefined): RobotPermissions {
  if (project) return [{ kind: 'project', namespace: project.name, access: accessList(values.access) }];
  return [
    ...(accessList(values.systemAccess).length > 0 ? [{ kind: 'system', namespace: '/', access: accessList(values.systemAccess) }] : []),
    ...(accessList(values.access).length > 0 ? [{ kind: 'project', namespace: '*', access: accessList(values.access) }] : []),
  ];
}

function accessOf(permissions: RobotPermissions, applies: (permission: RobotPermissions[number]) => boolean): Access {
  const access: Access = {};
  for (const permission of permissions.filter(applies)) for (const { resource, action } of permission.access) (access[resource] ??= []).push(action);
  return access;
}

/** An existing robot as the form shows it; the duration counts days from its creation. */
function formOf(robot: Robot, project: Project | undefined): RobotForm {
  return {
    name: robot.name,
    description: robot.description ?? '',
    never: robot.duration < 0,
    days: robot.duration > 0 ? robot.duration : 30,
    access: accessOf(robot.permissions, (p) => p.kind === 'project' && (project !== undefined || p.namespace === '*')),
    systemAccess: accessOf(robot.permissions, (p) => p.kind === 'system'),
  };
}

/** A system robot's permissions in named projects: this form does not edit them, so they are sent back as they are. */
const namedProjects = (robot: Robot | undefined, project: Project | undefined): RobotPermissions =>
  robot && !project ? robot.permissions.filter((p) => p.kind === 'project' && p.namespace !== '*') : [];

/**
 * A robot account, new or (`robot` given) existing: a project's (its one
 * project) or, without `project`, a system robot, holding the chosen project
 * permissions in every project and the chosen system permissions. An
 * existing robot keeps its name and level; its description, lifetime and
 * permissions change. Mount it per robot edited (key it by id): the form
 * starts from the robot it is given.
 */
export function RobotDialog({
  project,
  robot,
  open,
  onClose,
  onCreated,
}: {
  project?: Project;
  robot?: Robot;
  open: boolean;
  onClose(): void;
  onCreated?(robot: RobotCreated): void;
}) {
  const { t } = useTranslation();
  const { message } = App.useApp();
  const queryClient = useQueryClient();
  const [form] = Form.useForm<RobotForm>();
  const never = Form.useWatch('never', form) ?? true;
  const kept = namedProjects(robot, project);
  const grantable = useQuery({
    queryKey: ['grantable-permissions'],
    queryFn: () => api.get<{ project?: Permission[]; system?: Permission[] }>('/api/v2.0/permissions'),
    enabled: open,
    staleTime: Infinity,
  });
  const save = useMutation({
    mutationFn: async (values: RobotForm): Promise<RobotCreated | undefined> => {
      const fields = { description: values.description ?? '', duration: values.never ? -1 : values.days, permissions: [...permissionsOf(values, project), ...kept] };
      if (robot) {
        await updateRobot(robot, fields);
        return undefined;
      }
      return await api.post<RobotCreated>('/api/v2.0/robots', { ...fields, name: values.name, level: project ? 'project' : 'system', disable: false });
    },
    onSuccess: async (created) => {
      await queryClient.invalidateQueries({ queryKey: ['robots'] });
      form.resetFields();
      if (created) onCreated?.(created);
      else {
        void message.success(t('robots.saved', { name: robot!.name }));
        onClose();
      }
    },
  });
  return (
    <FormDialog title={robot ? t('robots.editTitle', { name: robot.name }) : t('robots.newTitle')} open={open} onClose={onClose} okText={robot ? t('common.save') : t('common.create')} form={form} submission={save} width={720}>
      {grantable.isError && <ErrorAlert error={grantable.error} />}
      <Form<RobotForm> form={form} layout="vertical" initialValues={robot ? formOf(robot, project) : NEW_ROBOT} onFinish={(values) => save.mutate(values)}>
        {robot ? (
          <Form.Item label={t('robots.name')}>
            <Typography.Text code>{robot.name}</Typography.Text>
          </Form.Item>
        ) : (
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
        )}
        <Form.Item label={t('robots.description')} name="description">
          <Input />
        </Form.Item>
        <Form.Item label={t('robots.neverExpires')} name="never" valuePropName="checked">
          <Switch />
        </Form.Item>
        {!never && (
          <Form.Item label={t('robots.days')} name="days" extra={robot ? t('robots.daysFromCreation') : undefined} rules={[{ required: true, message: t('common.required') }]}>
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
        {kept.length > 0 && (
          <Alert type="info" showIcon style={{ marginTop: 16 }} title={t('robots.namedProjectsKept', { projects: kept.map((p) => p.namespace).join(', ') })} />
        )}
      </Form>
    </FormDialog>
  );
}
