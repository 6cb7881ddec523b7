import { RobotsTable } from '../robots/RobotsTable.tsx';

/** System robot accounts: permissions across projects and on the system itself. */
export default function RobotsTab() {
  return <RobotsTable canCreate canUpdate canDelete />;
}
