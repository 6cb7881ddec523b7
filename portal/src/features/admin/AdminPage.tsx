import { Result, Tabs, Typography } from 'antd';
import { useTranslation } from 'react-i18next';
import { Outlet, useLocation, useNavigate } from 'react-router';
import { useCurrentUser } from '../../shared/queries.ts';
import { usePageTitle } from '../../shared/usePageTitle.ts';

const ADMIN_TABS = ['users', 'groups', 'robot-accounts', 'labels', 'quotas', 'audit-log', 'job-service', 'clean-up', 'configuration'] as const;

/**
 * Administration: system administrators only. The menu hides it from
 * everyone else; a deep link shows why there is nothing here instead of
 * loading screens whose every request the server would refuse.
 */
export default function AdminPage() {
  const { t } = useTranslation();
  usePageTitle(t('admin.title'));
  const user = useCurrentUser();
  const location = useLocation();
  const navigate = useNavigate();
  if (!user.data?.sysadmin_flag) return <Result status="403" title={t('admin.notAllowedTitle')} subTitle={t('admin.notAllowed')} />;
  const active = ADMIN_TABS.find((tab) => location.pathname.endsWith(`/${tab}`)) ?? 'users';
  const labels: Record<(typeof ADMIN_TABS)[number], string> = {
    users: t('admin.users'),
    groups: t('admin.groups'),
    'robot-accounts': t('admin.robots'),
    labels: t('admin.labels'),
    quotas: t('admin.quotas'),
    'audit-log': t('admin.auditLog'),
    'job-service': t('admin.jobService'),
    'clean-up': t('admin.cleanUp'),
    configuration: t('admin.configuration'),
  };
  return (
    <section aria-labelledby="admin-title">
      <Typography.Title level={2} id="admin-title">
        {t('admin.title')}
      </Typography.Title>
      <Tabs activeKey={active} onChange={(key) => navigate(`/admin/${key}`)} items={ADMIN_TABS.map((key) => ({ key, label: labels[key] }))} />
      <Outlet />
    </section>
  );
}
