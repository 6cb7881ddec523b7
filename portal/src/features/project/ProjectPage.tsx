import { Breadcrumb, Spin, Tabs, Typography } from 'antd';
import { useTranslation } from 'react-i18next';
import { Link, Outlet, useLocation, useNavigate } from 'react-router';
import { AccessTag } from '../../shared/AccessTag.tsx';
import { ErrorAlert } from '../../shared/ErrorAlert.tsx';
import { usePageTitle } from '../../shared/usePageTitle.ts';
import { useProjectPermissions } from '../../shared/permissions.ts';
import { useProject, useProjectId } from './project-context.ts';

const TABS = ['summary', 'repositories', 'members', 'labels', 'tag-retention', 'immutability', 'logs', 'robot-accounts', 'configuration'] as const;

export default function ProjectPage() {
  const { t } = useTranslation();
  const projectId = useProjectId();
  const project = useProject(projectId);
  const location = useLocation();
  const navigate = useNavigate();
  const can = useProjectPermissions(projectId);
  usePageTitle(project.data?.name);
  if (project.isPending) return <Spin />;
  if (project.isError) return <ErrorAlert error={project.error} />;
  const active = TABS.find((tab) => location.pathname.endsWith(`/${tab}`)) ?? 'summary';
  const labels: Record<(typeof TABS)[number], string> = {
    summary: t('project.summary'),
    repositories: t('project.repositories'),
    members: t('project.members'),
    labels: t('project.labels'),
    'tag-retention': t('project.retention'),
    immutability: t('project.immutability'),
    logs: t('project.logs'),
    'robot-accounts': t('project.robots'),
    configuration: t('project.configuration'),
  };
  // The logs are project administrators' (and system administrators') only, tag retention down to developers, immutability
  // down to maintainers; the other tabs show what the role may see.
  const allowed: Partial<Record<(typeof TABS)[number], boolean>> = { logs: can('log', 'list'), 'tag-retention': can('tag-retention', 'read'), immutability: can('immutable-tag', 'list') };
  const shown = TABS.filter((tab) => allowed[tab] ?? true);
  return (
    <section aria-labelledby="project-title">
      <Breadcrumb items={[{ title: <Link to="/projects">{t('projects.title')}</Link> }, { title: project.data.name }]} />
      <Typography.Title level={2} id="project-title" style={{ marginTop: 8 }}>
        {project.data.name}{' '}
        <AccessTag isPublic={project.data.metadata?.public === 'true'} />
      </Typography.Title>
      <Tabs activeKey={active} onChange={(key) => navigate(`/projects/${projectId}/${key}`)} items={shown.map((key) => ({ key, label: labels[key] }))} />
      <Outlet context={project.data} />
    </section>
  );
}
