import { useProjectPermissions } from '../../shared/permissions.ts';
import { RobotsTable } from '../robots/RobotsTable.tsx';
import { useProjectOfPage } from './project-context.ts';

export default function RobotsTab() {
  const project = useProjectOfPage();
  const can = useProjectPermissions(project.project_id);
  return <RobotsTable project={project} canCreate={can('robot', 'create')} canUpdate={can('robot', 'update')} canDelete={can('robot', 'delete')} />;
}
