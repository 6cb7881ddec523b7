import { useState } from 'react';
import { Alert, App, Button, Form, Typography } from 'antd';
import { useMutation } from '@tanstack/react-query';
import { useTranslation } from 'react-i18next';
import { api } from '../../api/client.ts';
import type { CurrentUser } from '../../api/types.ts';
import { useConfirm } from '../../shared/confirm.ts';
import { CopyButton } from '../../shared/CopyButton.tsx';
import { ErrorAlert } from '../../shared/ErrorAlert.tsx';
import { NewSecretForm, type NewSecretValues } from '../../shared/NewSecretForm.tsx';

/**
 * An OIDC user's CLI secret, the password registry clients use with their
 * username (PUT /users/{id}/cli_secret). Berth keeps only its hash, so a
 * generated secret is shown here once and gone when the dialog closes.
 */
export function CliSecretSection({ user }: { user: CurrentUser }) {
  const { t } = useTranslation();
  const { message } = App.useApp();
  const confirm = useConfirm();
  const [form] = Form.useForm<NewSecretValues>();
  const [generated, setGenerated] = useState<string>();
  const replace = useMutation({
    mutationFn: (secret: string | undefined) => api.put<{ secret?: string } | undefined>(`/api/v2.0/users/${user.user_id}/cli_secret`, secret === undefined ? {} : { secret }),
    onSuccess: (answer) => {
      form.resetFields();
      // A secret shown earlier is no longer the one: only a newly generated one is shown.
      setGenerated(answer?.secret);
      if (!answer?.secret) void message.success(t('profile.cliSecretChanged'));
    },
  });
  const submit = (secret: string | undefined) =>
    confirm({
      title: t('profile.cliSecretConfirmTitle'),
      content: t('profile.cliSecretConfirm'),
      okText: t('profile.cliSecretReplace'),
      onOk: () => replace.mutateAsync(secret).catch(() => undefined),
    });
  return (
    <section aria-labelledby="cli-secret-heading">
      <Typography.Title level={2} id="cli-secret-heading" style={{ fontSize: 16 }}>
        {t('profile.cliSecret')}
      </Typography.Title>
      <Typography.Paragraph type="secondary">{t('profile.cliSecretHelp')}</Typography.Paragraph>
      {replace.isError && <ErrorAlert error={replace.error} />}
      {generated && (
        <Alert
          type="warning"
          showIcon
          style={{ marginBottom: 16 }}
          title={t('secrets.once')}
          description={
            <>
              <Typography.Text code data-testid="cli-secret" style={{ wordBreak: 'break-all' }}>
                {generated}
              </Typography.Text>{' '}
              <CopyButton text={generated} label={t('profile.copySecret')} />
            </>
          }
        />
      )}
      <NewSecretForm form={form} onFinish={submit} />
      <Button danger loading={replace.isPending} onClick={() => form.submit()}>
        {t('profile.cliSecretReplace')}
      </Button>
    </section>
  );
}
