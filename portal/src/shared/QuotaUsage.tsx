import { Progress } from 'antd';
import { useTranslation } from 'react-i18next';
import type { ProjectSummary } from '../api/types.ts';
import { formatSize } from './format.ts';

/** Storage used against the project's limit, from its summary; -1 (or none) is no limit. */
export function QuotaUsage({ quota }: { quota: ProjectSummary['quota'] }) {
  const { t, i18n } = useTranslation();
  const hard = quota?.hard?.storage;
  const used = quota?.used?.storage ?? 0;
  if (hard === undefined || hard < 0) return <>{t('summary.quotaUnlimited', { used: formatSize(used, i18n.language) })}</>;
  return (
    <>
      <Progress percent={hard === 0 ? 100 : Math.round((used / hard) * 100)} aria-label={t('summary.quota')} />
      {t('summary.quotaUsed', { used: formatSize(used, i18n.language), limit: formatSize(hard, i18n.language) })}
    </>
  );
}
