import { App, Button, Tooltip } from 'antd';
import { CopyOutlined } from '@ant-design/icons';
import { useTranslation } from 'react-i18next';

/** Copies `text` to the clipboard; the label says what is copied, for screen readers too. */
export function CopyButton({ text, label }: { text: string; label: string }) {
  const { t } = useTranslation();
  const { message } = App.useApp();
  const copy = async () => {
    try {
      await navigator.clipboard.writeText(text);
      void message.success(t('common.copied'));
    } catch {
      void message.error(t('common.copyFailed'));
    }
  };
  return (
    <Tooltip title={label}>
      <Button type="text" size="small" icon={<CopyOutlined />} aria-label={label} onClick={() => void copy()} />
    </Tooltip>
  );
}
