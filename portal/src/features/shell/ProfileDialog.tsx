import { useEffect } from 'react';
import { App, Form, Input } from 'antd';
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { useTranslation } from 'react-i18next';
import { api } from '../../api/client.ts';
import type { CurrentUser } from '../../api/types.ts';
import { CliSecretSection } from './CliSecretSection.tsx';
import { FormDialog } from '../../shared/FormDialog.tsx';

interface Profile {
  email: string;
  realname: string;
  comment: string;
}

export function ProfileDialog({ user, open, onClose }: { user: CurrentUser; open: boolean; onClose(): void }) {
  const { t } = useTranslation();
  const { message } = App.useApp();
  const queryClient = useQueryClient();
  const [form] = Form.useForm<Profile>();
  const save = useMutation({
    mutationFn: (profile: Profile) => api.put(`/api/v2.0/users/${user.user_id}`, profile),
    onSuccess: async () => {
      await queryClient.invalidateQueries({ queryKey: ['current-user'] });
      void message.success(t('profile.saved'));
      onClose();
    },
  });
  useEffect(() => {
    if (open) {
      form.setFieldsValue({ email: user.email, realname: user.realname, comment: user.comment });
      save.reset();
    }
  }, [open]);
  return (
    <FormDialog title={t('profile.title')} open={open} onClose={onClose} okText={t('common.save')} form={form} submission={save}>
      <Form<Profile> form={form} layout="vertical" onFinish={(values) => save.mutate(values)}>
        <Form.Item label={t('profile.username')} htmlFor="profile-username">
          <Input id="profile-username" value={user.username} disabled />
        </Form.Item>
        <Form.Item label={t('profile.email')} name="email" rules={[{ type: 'email', message: t('profile.emailInvalid') }]}>
          <Input />
        </Form.Item>
        <Form.Item label={t('profile.realname')} name="realname">
          <Input />
        </Form.Item>
        <Form.Item label={t('profile.comment')} name="comment">
          <Input.TextArea rows={2} />
        </Form.Item>
      </Form>
      {/* OIDC users have no password here; registry clients take this secret instead. */}
      {user.oidc_user_meta && <CliSecretSection user={user} />}
    </FormDialog>
  );
}
