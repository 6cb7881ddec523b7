import { useState } from 'react';
import { Alert, Button, Card, Divider, Form, Input, Typography } from 'antd';
import { useQueryClient } from '@tanstack/react-query';
import { useTranslation } from 'react-i18next';
import { Link, useNavigate, useSearchParams } from 'react-router';
import { ApiError, localRedirect, signIn } from '../../api/client.ts';
import { LanguageSelect } from '../../shared/LanguageSelect.tsx';
import { useSystemInfo } from '../../shared/queries.ts';
import { usePageTitle } from '../../shared/usePageTitle.ts';
import logo from '../../assets/berth.svg';

interface Credentials {
  principal: string;
  password: string;
}

/** Local and LDAP users sign in with this form; OIDC users through their provider. */
export default function SignInPage() {
  const { t } = useTranslation();
  usePageTitle(t('signIn.title'));
  const navigate = useNavigate();
  const queryClient = useQueryClient();
  const [params] = useSearchParams();
  const redirect = localRedirect(params.get('redirect'));
  const systemInfo = useSystemInfo();
  const [error, setError] = useState<string>();
  const [busy, setBusy] = useState(false);

  const submit = async ({ principal, password }: Credentials) => {
    setBusy(true);
    setError(undefined);
    try {
      await signIn(principal, password);
      // Signed-in callers see more of /systeminfo (version, registry URL).
      queryClient.clear();
      navigate(redirect, { replace: true });
    } catch (failure) {
      setError(failure instanceof ApiError && failure.status === 401 ? t('signIn.invalid') : failure instanceof Error ? failure.message : String(failure));
    } finally {
      setBusy(false);
    }
  };

  const oidc = systemInfo.data?.auth_mode === 'oidc_auth';
  // primary_auth_mode: the provider is the way in; the local form is one click further, for administrators.
  const primary = oidc && systemInfo.data?.primary_auth_mode === true;
  const [localForm, setLocalForm] = useState(false);
  const oidcButton = (
    <Button block type={primary ? 'primary' : 'default'} href={`/c/oidc/login?redirect_url=${encodeURIComponent(redirect)}`}>
      {t('signIn.oidc', { provider: systemInfo.data?.oidc_provider_name || 'OIDC' })}
    </Button>
  );
  return (
    <main style={{ minHeight: '100vh', display: 'grid', placeItems: 'center', padding: 16 }}>
      <Card style={{ width: 380, maxWidth: '100%' }}>
        <div style={{ textAlign: 'center', marginBottom: 24 }}>
          <img src={logo} alt="" width={48} height={48} />
          <Typography.Title level={1} style={{ fontSize: 26, margin: '8px 0 0' }}>
            Berth
          </Typography.Title>
          <Typography.Text type="secondary">{t('signIn.subtitle')}</Typography.Text>
        </div>
        {error && <Alert type="error" showIcon role="alert" title={error} style={{ marginBottom: 16 }} />}
        {primary && (
          <>
            {oidcButton}
            {localForm ? (
              <Divider plain>{t('signIn.or')}</Divider>
            ) : (
              <Button type="link" block style={{ marginTop: 8 }} onClick={() => setLocalForm(true)}>
                {t('signIn.localAccount')}
              </Button>
            )}
          </>
        )}
        {(!primary || localForm) && (
          <Form<Credentials> layout="vertical" onFinish={(values) => void submit(values)} requiredMark={false}>
            <Form.Item label={t('signIn.username')} name="principal" rules={[{ required: true, message: t('signIn.usernameRequired') }]}>
              <Input autoComplete="username" autoFocus />
            </Form.Item>
            <Form.Item label={t('signIn.password')} name="password" rules={[{ required: true, message: t('signIn.passwordRequired') }]}>
              <Input.Password autoComplete="current-password" />
            </Form.Item>
            <Button type={primary ? 'default' : 'primary'} htmlType="submit" block loading={busy}>
              {t('signIn.submit')}
            </Button>
          </Form>
        )}
        {oidc && !primary && (
          <>
            <Divider plain>{t('signIn.or')}</Divider>
            {oidcButton}
          </>
        )}
        {systemInfo.data?.self_registration && (
          <p style={{ marginTop: 16, marginBottom: 0, textAlign: 'center' }}>
            <Link to="/sign-up">{t('signIn.signUp')}</Link>
          </p>
        )}
        <div style={{ marginTop: 24, display: 'flex', justifyContent: 'center' }}>
          <LanguageSelect />
        </div>
      </Card>
    </main>
  );
}
