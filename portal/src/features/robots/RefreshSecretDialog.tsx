import { Alert, App, Form, Modal } from 'antd';
import { useMutation } from '@tanstack/react-query';
import { useTranslation } from 'react-i18next';
import { api } from '../../api/client.ts';
import type { Robot } from '../../api/types.ts';
import { ErrorAlert } from '../../shared/ErrorAlert.tsx';
import { NewSecretForm, type NewSecretValues } from '../../shared/NewSecretForm.tsx';

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
    <Modal
      title={t('robots.refreshTitle', { name: robot.name })}
      open
      onCancel={onClose}
      onOk={() => form.submit()}
      okText={t('robots.refreshSecret')}
      okButtonProps={{ danger: true }}
      cancelText={t('common.cancel')}
      confirmLoading={refresh.isPending}
    >
      <Alert type="warning" showIcon title={t('robots.refreshWarning')} style={{ marginBottom: 16 }} />
      {refresh.isError && <ErrorAlert error={refresh.error} />}
      <NewSecretForm form={form} onFinish={(secret) => refresh.mutate(secret)} />
    </Modal>
  );
}
