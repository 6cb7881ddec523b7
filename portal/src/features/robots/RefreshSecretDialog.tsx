import { Alert, App, Form } from 'antd';
import { useMutation } from '@tanstack/react-query';
import { useTranslation } from 'react-i18next';
import { api } from '../../api/client.ts';
import type { Robot } from '../../api/types.ts';
import { NewSecretForm, type NewSecretValues } from '../../shared/NewSecretForm.tsx';
import { FormDialog } from '../../shared/FormDialog.tsx';

/**
 * Replaces a robot's secret (PATCH /robots/{id}): a generated one, handed to
 * `onGenerated` to be shown once, or one typed here. The old secret stops
 * working at once, which the dialog says before anything is sent.
 */
export function RefreshSecretDialog({ robot, onClose, onGenerated }: { robot: Robot; onClose(): void; onGenerated(secret: string): void }) {
  const { t } = useTranslation();
  const { message } = App.useApp();
  const [form] = Form.useForm<NewSecretValues>();
  const refresh = useMutation({
    mutationFn: (secret: string | undefined) => api.patch<{ secret: string }>(`/api/v2.0/robots/${robot.id}`, secret === undefined ? {} : { secret }),
    onSuccess: ({ secret }, chosen) => {
      if (chosen === undefined) onGenerated(secret);
      else {
        void message.success(t('robots.secretChanged', { name: robot.name }));
        onClose();
      }
    },
  });
  return (
    <FormDialog title={t('robots.refreshTitle', { name: robot.name })} onClose={onClose} okText={t('robots.refreshSecret')} okButtonProps={{ danger: true }} form={form} submission={refresh}>
      <Alert type="warning" showIcon title={t('robots.refreshWarning')} style={{ marginBottom: 16 }} />
      <NewSecretForm form={form} onFinish={(secret) => refresh.mutate(secret)} />
    </FormDialog>
  );
}
