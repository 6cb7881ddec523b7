import { useEffect, useState } from 'react';
import { Alert, App, Button, Card, Flex, Form, Input, InputNumber, Radio, Select, Spin, Switch } from 'antd';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useTranslation } from 'react-i18next';
import { api } from '../../api/client.ts';
import type { Configurations } from '../../api/types.ts';
import { ErrorAlert } from '../../shared/ErrorAlert.tsx';

type Values = Record<string, unknown>;
type Kind = 'text' | 'secret' | 'number' | 'switch' | 'scope';

/** The keys of GET /configurations this screen edits, in the order shown, with the control each needs. */
const GENERAL: [string, Kind][] = [
  ['local_users_enabled', 'switch'],
  ['self_registration', 'switch'],
];
const LDAP: [string, Kind][] = [
  ['ldap_url', 'text'],
  ['ldap_search_dn', 'text'],
  ['ldap_search_password', 'secret'],
  ['ldap_base_dn', 'text'],
  ['ldap_filter', 'text'],
  ['ldap_uid', 'text'],
  ['ldap_scope', 'scope'],
  ['ldap_timeout', 'number'],
  ['ldap_verify_cert', 'switch'],
  ['ldap_start_tls', 'switch'],
  ['ldap_group_base_dn', 'text'],
  ['ldap_group_search_filter', 'text'],
  ['ldap_group_attribute_name', 'text'],
  ['ldap_group_search_scope', 'scope'],
  ['ldap_group_admin_dn', 'text'],
  ['ldap_group_membership_attribute', 'text'],
];
const OIDC: [string, Kind][] = [
  ['oidc_name', 'text'],
  ['oidc_endpoint', 'text'],
  ['oidc_client_id', 'text'],
  ['oidc_client_secret', 'secret'],
  ['oidc_scope', 'text'],
  ['oidc_user_claim', 'text'],
  ['oidc_groups_claim', 'text'],
  ['oidc_group_filter', 'text'],
  ['oidc_admin_group', 'text'],
  ['oidc_extra_redirect_parms', 'text'],
  ['oidc_verify_cert', 'switch'],
  ['oidc_auto_onboard', 'switch'],
  ['oidc_logout', 'switch'],
];
const SYSTEM: [string, Kind][] = [
  ['token_expiration', 'number'],
  ['session_timeout', 'number'],
  ['robot_token_duration', 'number'],
  ['robot_name_prefix', 'text'],
];
const ALL = [['auth_mode', 'text'], ['project_creation_restriction', 'text'], ...GENERAL, ...LDAP, ...OIDC, ...SYSTEM] as [string, Kind][];

/** Secrets are never sent back by the server: their fields start empty, and only a typed value is saved. */
const isSecret = (key: string) => ALL.some(([name, kind]) => name === key && kind === 'secret');

function initialValues(config: Configurations): Values {
  return Object.fromEntries(ALL.map(([key, kind]) => [key, kind === 'secret' ? '' : config[key]?.value]));
}

/** Only what was changed is sent, so saving one section never rewrites another's values. */
function changes(current: Values, initial: Values): Values {
  return Object.fromEntries(
    Object.entries(current).filter(([key, value]) => (isSecret(key) ? typeof value === 'string' && value !== '' : JSON.stringify(value ?? null) !== JSON.stringify(initial[key] ?? null))),
  );
}

function Field({ name, kind }: { name: string; kind: Kind }) {
  const { t } = useTranslation();
  const label = t(`configuration.fields.${name}`);
  switch (kind) {
    case 'switch':
      return (
        <Form.Item label={label} name={name} valuePropName="checked">
          <Switch />
        </Form.Item>
      );
    case 'number':
      return (
        <Form.Item label={label} name={name}>
          <InputNumber min={1} />
        </Form.Item>
      );
    case 'scope':
      return (
        <Form.Item label={label} name={name}>
          <Select
            style={{ maxWidth: 240 }}
            options={[
              { value: 0, label: t('configuration.scopes.base') },
              { value: 1, label: t('configuration.scopes.oneLevel') },
              { value: 2, label: t('configuration.scopes.subtree') },
            ]}
          />
        </Form.Item>
      );
    case 'secret':
      return (
        <Form.Item label={label} name={name} extra={t('configuration.secretHelp')}>
          <Input.Password autoComplete="new-password" />
        </Form.Item>
      );
    default:
      return (
        <Form.Item label={label} name={name}>
          <Input />
        </Form.Item>
      );
  }
}

interface PingResult {
  success: boolean;
  message: string;
}

export default function ConfigurationTab() {
  const { t } = useTranslation();
  const { message } = App.useApp();
  const queryClient = useQueryClient();
  const [form] = Form.useForm<Values>();
  const authMode = Form.useWatch('auth_mode', form);
  const [ping, setPing] = useState<PingResult>();
  const config = useQuery({ queryKey: ['configurations'], queryFn: () => api.get<Configurations>('/api/v2.0/configurations') });
  const initial = config.data ? initialValues(config.data) : undefined;
  useEffect(() => {
    if (initial) form.setFieldsValue(initial);
  }, [config.data]);
  const save = useMutation({
    mutationFn: (changed: Values) => api.put('/api/v2.0/configurations', changed),
    onSuccess: async () => {
      void message.success(t('configuration.saved'));
      await queryClient.invalidateQueries({ queryKey: ['configurations'] });
      await queryClient.invalidateQueries({ queryKey: ['systeminfo'] });
    },
  });
  const ldapPing = useMutation({
    mutationFn: () => {
      const values = form.getFieldsValue(true) as Values;
      const conf = Object.fromEntries(LDAP.map(([key]) => [key, values[key]]).filter(([key, value]) => !(isSecret(key as string) && !value)));
      return api.post<PingResult>('/api/v2.0/ldap/ping', conf);
    },
    onSuccess: setPing,
    onError: (error) => setPing({ success: false, message: error.message }),
  });
  const oidcPing = useMutation({
    mutationFn: () => api.post('/api/v2.0/system/oidc/ping', { url: form.getFieldValue('oidc_endpoint') ?? '', verify_cert: form.getFieldValue('oidc_verify_cert') ?? true }),
    onSuccess: () => setPing({ success: true, message: t('configuration.oidcReachable') }),
    onError: (error) => setPing({ success: false, message: error.message }),
  });
  if (config.isPending) return <Spin />;
  if (config.isError) return <ErrorAlert error={config.error} />;

  const submit = () => {
    const changed = changes(form.getFieldsValue(true) as Values, initial!);
    if (Object.keys(changed).length === 0) return void message.info(t('configuration.unchanged'));
    save.mutate(changed, { onSuccess: () => form.setFieldsValue(Object.fromEntries(ALL.filter(([key]) => isSecret(key)).map(([key]) => [key, '']))) });
  };
  const fields = (list: [string, Kind][]) => list.map(([name, kind]) => <Field key={name} name={name} kind={kind} />);

  return (
    <Form<Values> form={form} layout="vertical" initialValues={initial} style={{ maxWidth: 760 }} onFinish={submit}>
      {save.isError && <ErrorAlert error={save.error} title={t('configuration.notSaved')} />}
      <Card title={t('configuration.authentication')} size="small" style={{ marginBottom: 16 }}>
        <Form.Item label={t('configuration.fields.auth_mode')} name="auth_mode">
          <Radio.Group
            options={[
              { value: 'db_auth', label: t('about.authModes.db_auth') },
              { value: 'ldap_auth', label: t('about.authModes.ldap_auth') },
              { value: 'oidc_auth', label: t('about.authModes.oidc_auth') },
            ]}
          />
        </Form.Item>
        {fields(GENERAL)}
        {authMode === 'ldap_auth' && (
          <>
            {fields(LDAP)}
            <Button loading={ldapPing.isPending} onClick={() => ldapPing.mutate()}>
              {t('configuration.testLdap')}
            </Button>
          </>
        )}
        {authMode === 'oidc_auth' && (
          <>
            {fields(OIDC)}
            <Button loading={oidcPing.isPending} onClick={() => oidcPing.mutate()}>
              {t('configuration.testOidc')}
            </Button>
          </>
        )}
        {ping && (
          <Alert
            type={ping.success ? 'success' : 'error'}
            showIcon
            role={ping.success ? 'status' : 'alert'}
            title={ping.success ? t('configuration.pingSucceeded') : t('configuration.pingFailed')}
            description={ping.message}
            style={{ marginTop: 16 }}
          />
        )}
      </Card>
      <Card title={t('configuration.security')} size="small" style={{ marginBottom: 16 }}>
        <Form.Item label={t('configuration.fields.project_creation_restriction')} name="project_creation_restriction">
          <Select
            style={{ maxWidth: 320 }}
            options={[
              { value: 'everyone', label: t('configuration.restriction.everyone') },
              { value: 'adminonly', label: t('configuration.restriction.adminonly') },
            ]}
          />
        </Form.Item>
        {fields(SYSTEM)}
      </Card>
      <Flex gap={8}>
        <Button type="primary" htmlType="submit" loading={save.isPending}>
          {t('common.save')}
        </Button>
        <Button onClick={() => form.setFieldsValue(initial!)}>{t('configuration.discard')}</Button>
      </Flex>
    </Form>
  );
}
