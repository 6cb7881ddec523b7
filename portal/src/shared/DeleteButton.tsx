import { Button } from 'antd';
import { useTranslation } from 'react-i18next';
import { useConfirm } from './confirm.ts';

/**
 * The small red Delete button of a table row: asks first, then runs
 * `onDelete`, whose failure the caller shows (its mutation's error).
 */
export function DeleteButton(props: { title: string; content: string; onDelete(): Promise<unknown>; 'aria-label'?: string }) {
  const { t } = useTranslation();
  const confirm = useConfirm();
  return (
    <Button
      danger
      size="small"
      aria-label={props['aria-label']}
      onClick={() => confirm({ title: props.title, content: props.content, onOk: () => props.onDelete().catch(() => undefined) })}
    >
      {t('common.delete')}
    </Button>
  );
}
