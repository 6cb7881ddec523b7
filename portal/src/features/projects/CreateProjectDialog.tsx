import { App, Form, Input, Modal, Switch } from 'antd';
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { useTranslation } from 'react-i18next';
import { api } from '../../api/client.ts';
import { ErrorAlert } from '../../shared/ErrorAlert.tsx';

interface NewProject {
  project_name: string;
  public: boolean;
}

/** Harbor's project-name rule, checked here too so the form says it before the server does. */
const PROJECT_NAME = /^[a-z0-9]+(?:[._-][a-z0-9]+)*$/;

export function CreateProjectDialog({ open, onClose }: { open: boolean; onClose(): void }) {
  const { t } = useTranslation();
  const { message } = App.useApp();
  const queryClient = useQueryClient();
  const [form] = Form.useForm<NewProject>();
  const create = useMutation({
    mutationFn: (project: NewProject) => api.post('/api/v2.0/projects', { project_name: project.project_name, metadata: { public: String(project.public) } }),
    onSuccess: async (_data, project) => {
      void message.success(t('projects.created', { name: project.project_name }));
      await queryClient.invalidateQueries({ queryKey: ['projects'] });
      form.resetFields();
      onClose();
    },
  });
  const close = () => {
    create.reset();
    onClose();
  };
  return (
    <Modal title={t('projects.newTitle')} open={open} onCancel={close} onOk={() => form.submit()} okText={t('common.create')} cancelText={t('common.cancel')} confirmLoading={create.isPending} destroyOnHidden>
      {create.isError && <ErrorAlert error={create.error} />}
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
      </Form>
    </Modal>
  );
}
