import { App, Card, Flex, Switch } from 'antd';
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { useTranslation } from 'react-i18next';
import { api } from '../../api/client.ts';
import { ErrorAlert } from '../../shared/ErrorAlert.tsx';
import { useProjectPermissions } from '../../shared/permissions.ts';
import { useProjectOfPage, useProjectSummary } from './project-context.ts';
import { QuotaUsage } from '../../shared/QuotaUsage.tsx';

/**
 * The project's settings that take effect in Berth today: public access, and
 * its storage quota (set by system administrators). Harbor's other project
 * policies appear here as Berth implements them.
 */
export default function ConfigurationTab() {
  const { t } = useTranslation();
  const { message } = App.useApp();
  const queryClient = useQueryClient();
  const project = useProjectOfPage();
  const can = useProjectPermissions(project.project_id);
  const summary = useProjectSummary(project.project_id);
  const isPublic = project.metadata?.public === 'true';
  const setPublic = useMutation({
    mutationFn: (value: boolean) => api.put(`/api/v2.0/projects/${project.project_id}`, { metadata: { public: String(value) } }),
    onSuccess: async (_data, value) => {
      void message.success(value ? t('projectConfig.madePublic') : t('projectConfig.madePrivate'));
      await queryClient.invalidateQueries({ queryKey: ['project', project.project_id] });
      await queryClient.invalidateQueries({ queryKey: ['projects'] });
    },
  });
  return (
    <>
      {setPublic.isError && <ErrorAlert error={setPublic.error} />}
      {summary.isError && <ErrorAlert error={summary.error} />}
      <Card title={t('projectConfig.access')} size="small" style={{ marginBottom: 16, maxWidth: 760 }}>
        <Flex gap={12} align="center">
          <Switch aria-label={t('projects.public')} checked={isPublic} loading={setPublic.isPending} disabled={!can('self', 'update')} onChange={(value) => setPublic.mutate(value)} />
          <span aria-hidden>{t('projects.public')}</span>
        </Flex>
        <p style={{ marginTop: 8, marginBottom: 0 }}>{t('projects.publicHelp')}</p>
      </Card>
      <Card title={t('summary.quota')} size="small" loading={summary.isPending} style={{ maxWidth: 760 }}>
        <QuotaUsage quota={summary.data?.quota} />
        <p style={{ marginTop: 12, marginBottom: 0 }}>{t('projectConfig.quotaHelp')}</p>
      </Card>
    </>
  );
}
