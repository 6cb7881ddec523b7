import { App, Form } from 'antd';
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { useTranslation } from 'react-i18next';
import { api } from '../../api/client.ts';
import { NewUserFields, newUserBody, type NewUser } from '../users/NewUserFields.tsx';
import { FormDialog } from '../../shared/FormDialog.tsx';

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
  return (
    <FormDialog title={t('users.newTitle')} open={open} onClose={onClose} okText={t('common.create')} form={form} submission={create}>
      <Form<NewUser> form={form} layout="vertical" onFinish={(values) => create.mutate(values)}>
        <NewUserFields />
      </Form>
    </FormDialog>
  );
}
