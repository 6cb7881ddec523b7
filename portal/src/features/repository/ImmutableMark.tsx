import { LockOutlined } from '@ant-design/icons';
import { Tooltip } from 'antd';
import { useTranslation } from 'react-i18next';

/**
 * The mark of a tag an enabled immutability rule holds (the API's
 * `immutable`, asked for with with_immutable_status): a lock, and with
 * `labelled` the word too.
 */
export function ImmutableMark({ labelled = false }: { labelled?: boolean }) {
  const { t } = useTranslation();
  return (
    <Tooltip title={t('tags.immutableHint')}>
      {labelled ? (
        <span>
          <LockOutlined aria-hidden /> {t('tags.immutable')}
        </span>
      ) : (
        <LockOutlined aria-label={t('tags.immutable')} style={{ marginInlineStart: 4 }} />
      )}
    </Tooltip>
  );
}
