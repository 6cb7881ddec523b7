import { LabelsTable } from '../labels/LabelsTable.tsx';
import { useProjectPermissions } from '../../shared/permissions.ts';
import { useProjectOfPage } from './project-context.ts';

export default function LabelsTab() {
  const project = useProjectOfPage();
  const can = useProjectPermissions(project.project_id);
  return <LabelsTable scope={{ scope: 'p', projectId: project.project_id }} canCreate={can('label', 'create')} canUpdate={can('label', 'update')} canDelete={can('label', 'delete')} />;
}
