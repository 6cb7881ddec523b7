import { App, Form, Modal } from 'antd';
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { useTranslation } from 'react-i18next';
import { api } from '../../api/client.ts';
import { ErrorAlert } from '../../shared/ErrorAlert.tsx';
import { NewUserFields, newUserBody, type NewUser } from '../users/NewUserFields.tsx';

export function CreateUserDialog({ open, onClose }: { open: boolean; onClose(): void }) {
  const { t } = useTranslation();
  const { message } = App.useApp();
  const queryClient = useQueryClient();
  const [form] = Form.useForm<NewUser>();
  const create = useMutation({
    mutationFn: (user: NewUser) => api.post('/api/v2.0/users', newUserBody(user)),
    onSuccess: async (_data, user) => {
      void message.success(t('users.created', { name: user.username }));
      await queryClient.invalidateQueries({ queryKey: ['users'] });
      form.resetFields();
      onClose();
    },
  });
  const close = () => {
    create.reset();
    onClose();
  };
  return (
    <Modal title={t('users.newTitle')} open={open} onCancel={close} onOk={() => form.submit()} okText={t('common.create')} cancelText={t('common.cancel')} confirmLoading={create.isPending} destroyOnHidden>
      {create.isError && <ErrorAlert error={create.error} />}
      <Form<NewUser> form={form} layout="vertical" onFinish={(values) => create.mutate(values)}>
        <NewUserFields />
      </Form>
    </Modal>
  );
}
