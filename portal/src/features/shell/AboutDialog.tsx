import { Descriptions, Modal } from 'antd';
import { useTranslation } from 'react-i18next';
import { useSystemInfo } from '../../shared/queries.ts';

export function AboutDialog({ open, onClose }: { open: boolean; onClose(): void }) {
  const { t } = useTranslation();
  const info = useSystemInfo();
  return (
    <Modal title={t('about.title')} open={open} onCancel={onClose} footer={null}>
      <p>{t('about.description')}</p>
      <Descriptions column={1} size="small" bordered>
        <Descriptions.Item label={t('about.version')}>{info.data?.harbor_version ?? '—'}</Descriptions.Item>
        <Descriptions.Item label={t('about.authMode')}>{info.data ? t(`about.authModes.${info.data.auth_mode}`, { defaultValue: info.data.auth_mode }) : '—'}</Descriptions.Item>
        <Descriptions.Item label={t('about.apiVersion')}>v2.0</Descriptions.Item>
      </Descriptions>
    </Modal>
  );
}
