import { App, Form, Input, Switch } from 'antd';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useTranslation } from 'react-i18next';
import { api } from '../../api/client.ts';
import type { Configurations } from '../../api/types.ts';
import { ErrorAlert } from '../../shared/ErrorAlert.tsx';
import { useCurrentUser } from '../../shared/queries.ts';
import { StorageLimitInput, storageLimitRule } from '../../shared/StorageLimitInput.tsx';
import { FormDialog } from '../../shared/FormDialog.tsx';

interface NewProject {
  project_name: string;
  public: boolean;
  storage_limit?: number;
}

/** Harbor's project-name rule, checked here too so the form says it before the server does. */
const PROJECT_NAME = /^[a-z0-9]+(?:[._-][a-z0-9]+)*$/;

/**
 * A new project. System administrators also choose its storage limit,
 * starting from the configured default (storage_per_project); the server
 * ignores a limit sent by anyone else, as Harbor does, so others are not asked.
 */
export function CreateProjectDialog({ open, onClose }: { open: boolean; onClose(): void }) {
  const { t } = useTranslation();
  const { message } = App.useApp();
  const queryClient = useQueryClient();
  const [form] = Form.useForm<NewProject>();
  const sysadmin = useCurrentUser().data?.sysadmin_flag ?? false;
  const config = useQuery({
    queryKey: ['configurations'],
    queryFn: () => api.get<Configurations>('/api/v2.0/configurations'),
    enabled: open && sysadmin,
  });
  const defaultLimit = config.data?.storage_per_project?.value;
  const create = useMutation({
    mutationFn: (project: NewProject) =>
      api.post('/api/v2.0/projects', {
        project_name: project.project_name,
        metadata: { public: String(project.public) },
        ...(sysadmin && project.storage_limit !== undefined && { storage_limit: project.storage_limit }),
      }),
    onSuccess: async (_data, project) => {
      void message.success(t('projects.created', { name: project.project_name }));
      await queryClient.invalidateQueries({ queryKey: ['projects'] });
      form.resetFields();
      onClose();
    },
  });
  return (
    <FormDialog title={t('projects.newTitle')} open={open} onClose={onClose} okText={t('common.create')} form={form} submission={create}>
      {config.isError && <ErrorAlert error={config.error} />}
      <Form<NewProject> form={form} layout="vertical" initialValues={{ public: false }} onFinish={(values) => create.mutate(values)}>
        <Form.Item
          label={t('projects.name')}
          name="project_name"
          extra={t('projects.nameRule')}
          rules={[
            { required: true, message: t('common.required') },
            { max: 255, message: t('projects.nameRule') },
            { pattern: PROJECT_NAME, message: t('projects.nameRule') },
          ]}
        >
          <Input autoFocus />
        </Form.Item>
        <Form.Item label={t('projects.public')} name="public" valuePropName="checked" extra={t('projects.publicHelp')}>
          <Switch />
        </Form.Item>
        {sysadmin && typeof defaultLimit === 'number' && (
          <Form.Item label={t('projects.storageLimit')} name="storage_limit" initialValue={defaultLimit} extra={t('projects.storageLimitHelp')} rules={[storageLimitRule(t('common.required'))]}>
            <StorageLimitInput />
          </Form.Item>
        )}
      </Form>
    </FormDialog>
  );
}
