import { App, Form, Input } from 'antd';
import { useMutation } from '@tanstack/react-query';
import { useTranslation } from 'react-i18next';
import { api } from '../../api/client.ts';
import type { User } from '../../api/types.ts';
import { sameAs } from '../../shared/form-rules.ts';
import { FormDialog } from '../../shared/FormDialog.tsx';

interface NewPassword {
  new_password: string;
  confirm: string;
}

/** An administrator sets another user's password; the old one is not needed (nor known). */
export function ResetPasswordDialog({ user, onClose }: { user: User | undefined; onClose(): void }) {
  const { t } = useTranslation();
  const { message } = App.useApp();
  const [form] = Form.useForm<NewPassword>();
  const reset = useMutation({
    mutationFn: ({ new_password }: NewPassword) => api.put(`/api/v2.0/users/${user!.user_id}/password`, { new_password }),
    onSuccess: () => {
      void message.success(t('users.passwordReset', { name: user!.username }));
      form.resetFields();
      onClose();
    },
  });
  return (
    <FormDialog title={t('users.resetPasswordOf', { name: user?.username ?? '' })} open={user !== undefined} onClose={onClose} okText={t('common.save')} form={form} submission={reset}>
      <Form<NewPassword> form={form} layout="vertical" onFinish={(values) => reset.mutate(values)}>
        <Form.Item label={t('password.new')} name="new_password" extra={t('password.policy')} rules={[{ required: true, message: t('common.required') }]}>
          <Input.Password autoComplete="new-password" />
        </Form.Item>
        <Form.Item label={t('password.confirm')} name="confirm" dependencies={['new_password']} rules={[{ required: true, message: t('common.required') }, sameAs('new_password', t('password.mismatch'))]}>
          <Input.Password autoComplete="new-password" />
        </Form.Item>
      </Form>
    </FormDialog>
  );
}
