import { LabelsTable } from '../labels/LabelsTable.tsx';

/** Global labels, which every project's artifacts may carry. */
export default function LabelsTab() {
  return <LabelsTable scope={{ scope: 'g' }} canCreate canUpdate canDelete />;
}
