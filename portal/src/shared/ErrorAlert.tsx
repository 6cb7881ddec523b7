import { Alert } from 'antd';
import { useTranslation } from 'react-i18next';

/** A failure as the server put it: its own message, not a generic one. */
export function ErrorAlert({ error, title }: { error: unknown; title?: string }) {
  const { t } = useTranslation();
  const message = error instanceof Error ? error.message : String(error);
  return <Alert type="error" showIcon role="alert" title={title ?? t('common.error')} description={message} style={{ marginBottom: 16 }} />;
}
