import { Form, Input, Radio, type FormInstance } from 'antd';
import { useTranslation } from 'react-i18next';
import { passwordPolicy, sameAs } from './form-rules.ts';

export interface NewSecretValues {
  how: 'generate' | 'set';
  secret?: string;
  confirm?: string;
}

/**
 * How a secret is replaced (robot secrets, OIDC users' CLI secrets): the
 * server generates one, or the person types one twice under Harbor's
 * password policy. `onFinish` gets the typed secret, or undefined to generate.
 */
export function NewSecretForm({ form, onFinish }: { form: FormInstance<NewSecretValues>; onFinish(secret: string | undefined): void }) {
  const { t } = useTranslation();
  const how = Form.useWatch('how', form) ?? 'generate';
  return (
    <Form<NewSecretValues> form={form} layout="vertical" initialValues={{ how: 'generate' }} onFinish={(values) => onFinish(values.how === 'set' ? values.secret : undefined)}>
      <Form.Item label={t('secrets.how')} name="how">
        <Radio.Group
          options={[
            { value: 'generate', label: t('secrets.generate') },
            { value: 'set', label: t('secrets.set') },
          ]}
        />
      </Form.Item>
      {how === 'set' && (
        <>
          <Form.Item label={t('secrets.new')} name="secret" extra={t('password.policy')} rules={[{ required: true, message: t('common.required') }, passwordPolicy(t('password.policy'))]}>
            <Input.Password autoComplete="new-password" />
          </Form.Item>
          <Form.Item
            label={t('secrets.confirm')}
            name="confirm"
            dependencies={['secret']}
            rules={[
              { required: true, message: t('common.required') },
              sameAs('secret', t('secrets.mismatch')),
            ]}
          >
            <Input.Password autoComplete="new-password" />
          </Form.Item>
        </>
      )}
    </Form>
  );
}
