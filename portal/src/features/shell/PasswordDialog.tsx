import { App, Form, Input } from 'antd';
import { useMutation } from '@tanstack/react-query';
import { useTranslation } from 'react-i18next';
import { api } from '../../api/client.ts';
import type { CurrentUser } from '../../api/types.ts';
import { sameAs } from '../../shared/form-rules.ts';
import { FormDialog } from '../../shared/FormDialog.tsx';

interface Passwords {
  old_password: string;
  new_password: string;
  confirm: string;
}

export function PasswordDialog({ user, open, onClose }: { user: CurrentUser; open: boolean; onClose(): void }) {
  const { t } = useTranslation();
  const { message } = App.useApp();
  const [form] = Form.useForm<Passwords>();
  const change = useMutation({
    mutationFn: ({ old_password, new_password }: Passwords) => api.put(`/api/v2.0/users/${user.user_id}/password`, { old_password, new_password }),
    onSuccess: () => {
      void message.success(t('password.changed'));
      form.resetFields();
      onClose();
    },
  });
  return (
    <FormDialog title={t('password.title')} open={open} onClose={onClose} okText={t('common.save')} form={form} submission={change}>
      <Form<Passwords> form={form} layout="vertical" onFinish={(values) => change.mutate(values)}>
        <Form.Item label={t('password.current')} name="old_password" rules={[{ required: true, message: t('common.required') }]}>
          <Input.Password autoComplete="current-password" />
        </Form.Item>
        <Form.Item label={t('password.new')} name="new_password" extra={t('password.policy')} rules={[{ required: true, message: t('common.required') }]}>
          <Input.Password autoComplete="new-password" />
        </Form.Item>
        <Form.Item
          label={t('password.confirm')}
          name="confirm"
          dependencies={['new_password']}
          rules={[
            { required: true, message: t('common.required') },
            sameAs('new_password', t('password.mismatch')),
          ]}
        >
          <Input.Password autoComplete="new-password" />
        </Form.Item>
      </Form>
    </FormDialog>
  );
}
