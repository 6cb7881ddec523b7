import { Alert, Button, Descriptions, Modal, Typography } from 'antd';
import { useTranslation } from 'react-i18next';
import { CopyButton } from '../../shared/CopyButton.tsx';

/**
 * The only time a robot's secret is ever shown — at creation, or after a
 * refresh (`title` says which): the server keeps just its hash.
 */
export function RobotSecretDialog({ robot, title, onClose }: { robot: { name: string; secret: string } | undefined; title: string; onClose(): void }) {
  const { t } = useTranslation();
  return (
    <Modal
      title={title}
      open={robot !== undefined}
      onCancel={onClose}
      closable={false}
      mask={{ closable: false }}
      // Gone from the page once closed, not merely hidden.
      destroyOnHidden
      footer={
        <Button type="primary" onClick={onClose}>
          {t('robots.secretSaved')}
        </Button>
      }
    >
      <Alert type="warning" showIcon title={t('secrets.once')} style={{ marginBottom: 16 }} />
      {robot && (
        <Descriptions column={1} bordered size="small">
          <Descriptions.Item label={t('robots.name')}>
            <Typography.Text code>{robot.name}</Typography.Text> <CopyButton text={robot.name} label={t('robots.copyName')} />
          </Descriptions.Item>
          <Descriptions.Item label={t('robots.secret')}>
            <Typography.Text code data-testid="robot-secret" style={{ wordBreak: 'break-all' }}>
              {robot.secret}
            </Typography.Text>{' '}
            <CopyButton text={robot.secret} label={t('robots.copySecret')} />
          </Descriptions.Item>
        </Descriptions>
      )}
    </Modal>
  );
}
