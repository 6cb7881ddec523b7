import { useState, type ReactNode } from 'react';
import { Button, Card, Form, Result, Spin, Typography } from 'antd';
import { useTranslation } from 'react-i18next';
import { Link } from 'react-router';
import { request } from '../../api/client.ts';
import { ErrorAlert } from '../../shared/ErrorAlert.tsx';
import { useSystemInfo } from '../../shared/queries.ts';
import { usePageTitle } from '../../shared/usePageTitle.ts';
import { NewUserFields, newUserBody, type NewUser } from '../users/NewUserFields.tsx';

/** Self-registration, offered when an administrator turned it on (self_registration in /systeminfo). */
export default function SignUpPage() {
  const { t } = useTranslation();
  usePageTitle(t('signUp.title'));
  const info = useSystemInfo();
  const [error, setError] = useState<unknown>();
  const [busy, setBusy] = useState(false);
  const [registered, setRegistered] = useState<string>();

  const submit = async (user: NewUser) => {
    setBusy(true);
    setError(undefined);
    try {
      // Anonymous: a refusal is shown here, not turned into a trip to the sign-in page.
      await request('POST', '/api/v2.0/users', { json: newUserBody(user), allowUnauthorized: true });
      setRegistered(user.username);
    } catch (failure) {
      setError(failure);
    } finally {
      setBusy(false);
    }
  };

  const signIn = (
    <Link to="/sign-in">
      <Button type="primary">{t('signUp.toSignIn')}</Button>
    </Link>
  );
  let content: ReactNode;
  if (info.isPending) content = <Spin />;
  else if (registered) content = <Result status="success" title={t('signUp.done', { name: registered })} extra={signIn} />;
  else if (!info.data?.self_registration) content = <Result status="info" title={t('signUp.closed')} extra={signIn} />;
  else {
    content = (
      <>
        {error !== undefined && <ErrorAlert error={error} />}
        <Form<NewUser> layout="vertical" onFinish={(values) => void submit(values)}>
          <NewUserFields />
          <Button type="primary" htmlType="submit" block loading={busy}>
            {t('signUp.submit')}
          </Button>
        </Form>
        <p style={{ marginTop: 16, textAlign: 'center' }}>
          <Link to="/sign-in">{t('signUp.haveAccount')}</Link>
        </p>
      </>
    );
  }
  return (
    <main style={{ minHeight: '100vh', display: 'grid', placeItems: 'center', padding: 16 }}>
      <Card style={{ width: 440, maxWidth: '100%' }}>
        <Typography.Title level={1} style={{ fontSize: 24, marginTop: 0 }}>
          {t('signUp.title')}
        </Typography.Title>
        {content}
      </Card>
    </main>
  );
}
