import { AuditLogTable } from '../audit-log/AuditLogTable.tsx';
import { useProjectOfPage } from './project-context.ts';

export default function LogsTab() {
  const project = useProjectOfPage();
  return <AuditLogTable path={`/api/v2.0/projects/${encodeURIComponent(project.name)}/auditlog-exts`} />;
}
