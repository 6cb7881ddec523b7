import { App } from 'antd';
import { useTranslation } from 'react-i18next';

/** Asks before anything destructive; resolves once the action ran (its failure is shown by the caller). */
export function useConfirm() {
  const { modal } = App.useApp();
  const { t } = useTranslation();
  return (options: { title: string; content: string; okText?: string; onOk(): Promise<unknown> }) =>
    modal.confirm({
      title: options.title,
      content: options.content,
      okText: options.okText ?? t('common.delete'),
      okButtonProps: { danger: true },
      cancelText: t('common.cancel'),
      onOk: options.onOk,
    });
}
