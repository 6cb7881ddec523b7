import { Card, Col, Descriptions, Row, Statistic } from 'antd';
import { useTranslation } from 'react-i18next';
import { DateText } from '../../shared/DateText.tsx';
import { ErrorAlert } from '../../shared/ErrorAlert.tsx';
import { useRegistryHost } from '../../shared/queries.ts';
import { CopyButton } from '../../shared/CopyButton.tsx';
import { useProjectOfPage, useProjectSummary } from './project-context.ts';
import { QuotaUsage } from '../../shared/QuotaUsage.tsx';

export default function SummaryTab() {
  const { t } = useTranslation();
  const project = useProjectOfPage();
  const host = useRegistryHost();
  const summary = useProjectSummary(project.project_id);
  const data = summary.data;
  const push = `docker push ${host}/${project.name}/REPOSITORY[:TAG]`;
  return (
    <>
      {summary.isError && <ErrorAlert error={summary.error} />}
      <Row gutter={[16, 16]}>
        <Col xs={24} md={8}>
          <Card loading={summary.isPending}>
            <Statistic title={t('project.repositories')} value={data?.repo_count ?? project.repo_count} />
          </Card>
        </Col>
        <Col xs={24} md={8}>
          <Card loading={summary.isPending}>
            <Statistic
              title={t('project.members')}
              value={(data?.project_admin_count ?? 0) + (data?.maintainer_count ?? 0) + (data?.developer_count ?? 0) + (data?.guest_count ?? 0) + (data?.limited_guest_count ?? 0)}
            />
          </Card>
        </Col>
        <Col xs={24} md={8}>
          <Card loading={summary.isPending} title={t('summary.quota')} size="small">
            <QuotaUsage quota={data?.quota} />
          </Card>
        </Col>
      </Row>
      <Descriptions bordered column={1} size="small" style={{ marginTop: 16 }}>
        <Descriptions.Item label={t('summary.owner')}>{project.owner_name ?? '—'}</Descriptions.Item>
        <Descriptions.Item label={t('common.created')}>
          <DateText value={project.creation_time} />
        </Descriptions.Item>
        <Descriptions.Item label={t('summary.roles')}>
          {t('roles.projectAdmin')}: {data?.project_admin_count ?? 0} · {t('roles.maintainer')}: {data?.maintainer_count ?? 0} · {t('roles.developer')}: {data?.developer_count ?? 0} ·{' '}
          {t('roles.guest')}: {data?.guest_count ?? 0} · {t('roles.limitedGuest')}: {data?.limited_guest_count ?? 0}
        </Descriptions.Item>
        <Descriptions.Item label={t('summary.pushCommand')}>
          <code>{push}</code> <CopyButton text={push} label={t('summary.copyPushCommand')} />
        </Descriptions.Item>
      </Descriptions>
    </>
  );
}
