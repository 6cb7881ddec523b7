import { Form, Input } from 'antd';
import { useTranslation } from 'react-i18next';
import { sameAs } from '../../shared/form-rules.ts';

export interface NewUser {
  username: string;
  email: string;
  realname: string;
  password: string;
  confirm: string;
  comment: string;
}

/** The fields of a new local user, shared by administrators' creation and self-registration. */
export function NewUserFields() {
  const { t } = useTranslation();
  const required = { required: true, message: t('common.required') };
  return (
    <>
      <Form.Item label={t('users.username')} name="username" rules={[required, { pattern: /^[^,"~#%$\s]+$/, message: t('users.usernameRule') }]}>
        <Input autoComplete="off" />
      </Form.Item>
      <Form.Item label={t('users.email')} name="email" rules={[required, { type: 'email', message: t('profile.emailInvalid') }]}>
        <Input autoComplete="off" />
      </Form.Item>
      <Form.Item label={t('users.realname')} name="realname">
        <Input autoComplete="off" />
      </Form.Item>
      <Form.Item label={t('users.password')} name="password" extra={t('password.policy')} rules={[required]}>
        <Input.Password autoComplete="new-password" />
      </Form.Item>
      <Form.Item label={t('users.confirmPassword')} name="confirm" dependencies={['password']} rules={[required, sameAs('password', t('password.mismatch'))]}>
        <Input.Password autoComplete="new-password" />
      </Form.Item>
      <Form.Item label={t('profile.comment')} name="comment">
        <Input.TextArea rows={2} />
      </Form.Item>
    </>
  );
}

export function newUserBody({ username, email, realname, password, comment }: NewUser) {
  return { username, email, realname: realname ?? '', password, comment: comment ?? '' };
}
