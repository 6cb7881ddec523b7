import { useEffect, useState } from 'react';
import { Alert, App, Button, Card, Col, Flex, Form, Input, InputNumber, Radio, Row, Select, Spin, Switch } from 'antd';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useTranslation } from 'react-i18next';
import { api } from '../../api/client.ts';
import type { Configurations } from '../../api/types.ts';
import { ErrorAlert } from '../../shared/ErrorAlert.tsx';
import { StorageLimitInput, storageLimitRule } from '../../shared/StorageLimitInput.tsx';

type Values = Record<string, unknown>;
type Kind = 'text' | 'secret' | 'number' | 'switch' | 'scope' | 'restriction' | 'storage' | 'eventTypes';

/**
 * Every run-time setting the server has (server/src/settings), grouped as
 * Harbor's configuration page groups them, in the order shown, with the
 * control each needs. auth_mode is the radio group leading the first card.
 */
const AUTHENTICATION: [string, Kind][] = [
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
  ['primary_auth_mode', 'switch'],
];
const SECURITY: [string, Kind][] = [
  ['token_expiration', 'number'],
  ['session_timeout', 'number'],
];
const SYSTEM: [string, Kind][] = [
  ['project_creation_restriction', 'restriction'],
  ['quota_per_project_enable', 'switch'],
  ['storage_per_project', 'storage'],
  ['robot_token_duration', 'number'],
  ['robot_name_prefix', 'text'],
  ['pull_count_update_disable', 'switch'],
  ['pull_time_update_disable', 'switch'],
  ['pull_audit_log_disable', 'switch'],
  ['disabled_audit_log_event_types', 'eventTypes'],
  ['read_only', 'switch'],
];
const ALL: [string, Kind][] = [['auth_mode', 'text'], ...AUTHENTICATION, ...LDAP, ...OIDC, ...SECURITY, ...SYSTEM];
const kindOf = (key: string) => ALL.find(([name]) => name === key)?.[1];

/** Settings whose effect their name alone does not tell: they get a line of help. */
const HELP = new Set(['primary_auth_mode', 'quota_per_project_enable', 'storage_per_project', 'robot_name_prefix', 'disabled_audit_log_event_types', 'pull_audit_log_disable', 'read_only']);

/** Secrets are never sent back by the server: their fields start empty, and only a typed value is saved. */
const isSecret = (key: string) => kindOf(key) === 'secret';

/** Harbor keeps disabled event types as one comma-separated string; the form edits them as a list. */
function toForm(kind: Kind, value: unknown): unknown {
  if (kind === 'secret') return '';
  if (kind === 'eventTypes') return typeof value === 'string' ? value.split(',').map((type) => type.trim()).filter(Boolean) : [];
  return value;
}

function fromForm(kind: Kind | undefined, value: unknown): unknown {
  return kind === 'eventTypes' && Array.isArray(value) ? value.join(',') : value;
}

function initialValues(config: Configurations): Values {
  return Object.fromEntries(ALL.map(([key, kind]) => [key, toForm(kind, config[key]?.value)]));
}

/** Only what was changed is sent, in the server's form, so saving one section never rewrites another's values. */
function changes(current: Values, initial: Values): Values {
  return Object.fromEntries(
    Object.entries(current)
      .filter(([key, value]) => (isSecret(key) ? typeof value === 'string' && value !== '' : JSON.stringify(value ?? null) !== JSON.stringify(initial[key] ?? null)))
      .map(([key, value]) => [key, fromForm(kindOf(key), value)]),
  );
}

function Field({ name, kind, eventTypes }: { name: string; kind: Kind; eventTypes: string[] }) {
  const { t } = useTranslation();
  const label = t(`configuration.fields.${name}`);
  const extra = HELP.has(name) ? t(`configuration.help.${name}`) : undefined;
  switch (kind) {
    case 'switch':
      return (
        <Form.Item label={label} name={name} valuePropName="checked" extra={extra}>
          <Switch />
        </Form.Item>
      );
    case 'number':
      return (
        <Form.Item label={label} name={name} extra={extra}>
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
    case 'restriction':
      return (
        <Form.Item label={label} name={name}>
          <Select
            style={{ maxWidth: 320 }}
            options={[
              { value: 'everyone', label: t('configuration.restriction.everyone') },
              { value: 'adminonly', label: t('configuration.restriction.adminonly') },
            ]}
          />
        </Form.Item>
      );
    case 'storage':
      return (
        <Form.Item label={label} name={name} extra={extra} rules={[storageLimitRule(t('common.required'))]}>
          <StorageLimitInput />
        </Form.Item>
      );
    case 'eventTypes':
      return (
        <Form.Item label={label} name={name} extra={extra}>
          {/* Harbor's own event type names (GET /auditlog-exts/events), as its API and logs spell them. */}
          <Select mode="multiple" allowClear options={eventTypes.map((type) => ({ value: type, label: type }))} />
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
        <Form.Item label={label} name={name} extra={extra}>
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
  const events = useQuery({ queryKey: ['audit-event-types'], queryFn: () => api.get<{ event_type: string }[]>('/api/v2.0/auditlog-exts/events'), staleTime: Infinity });
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
  const eventTypes = (events.data ?? []).map((event) => event.event_type);
  const fields = (list: [string, Kind][]) => list.map(([name, kind]) => <Field key={name} name={name} kind={kind} eventTypes={eventTypes} />);

  return (
    <Form<Values> form={form} layout="vertical" initialValues={initial} onFinish={submit}>
      {save.isError && <ErrorAlert error={save.error} title={t('configuration.notSaved')} />}
      {/* Two columns where the window is wide enough, one below: the form fills the page either way. */}
      <Row gutter={16}>
        <Col xs={24} xl={12}>
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
            {fields(AUTHENTICATION)}
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
            {fields(SECURITY)}
          </Card>
        </Col>
        <Col xs={24} xl={12}>
          <Card title={t('configuration.system')} size="small" style={{ marginBottom: 16 }}>
            {events.isError && <ErrorAlert error={events.error} />}
            {fields(SYSTEM)}
          </Card>
        </Col>
      </Row>
      <Flex gap={8}>
        <Button type="primary" htmlType="submit" loading={save.isPending}>
          {t('common.save')}
        </Button>
        <Button onClick={() => form.setFieldsValue(initial!)}>{t('configuration.discard')}</Button>
      </Flex>
    </Form>
  );
}
