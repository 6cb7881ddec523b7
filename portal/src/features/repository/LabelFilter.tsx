import { Select } from 'antd';
import { useTranslation } from 'react-i18next';
import type { AssignableLabels } from './artifact-labels.ts';

/** Choosing labels to filter artifacts by, global and project labels under their headings; absent when there are none. */
export function LabelFilter({ assignable, value, onChange }: { assignable: AssignableLabels; value: number[]; onChange(ids: number[]): void }) {
  const { t } = useTranslation();
  const choices = [
    { label: t('artifactLabels.global'), options: assignable.global.map((label) => ({ value: label.id, label: label.name })) },
    { label: t('artifactLabels.project'), options: assignable.project.map((label) => ({ value: label.id, label: label.name })) },
  ].filter((group) => group.options.length > 0);
  if (choices.length === 0) return null;
  return (
    <Select<number[]>
      mode="multiple"
      aria-label={t('artifactLabels.filter')}
      placeholder={t('artifactLabels.filter')}
      allowClear
      showSearch={{ optionFilterProp: 'label' }}
      options={choices}
      value={value}
      onChange={onChange}
      style={{ minWidth: 220 }}
    />
  );
}
