import { Button, Dropdown, Space, Tooltip, type MenuProps } from 'antd';
import { TagsOutlined } from '@ant-design/icons';
import { useTranslation } from 'react-i18next';
import type { Artifact, Label } from '../../api/types.ts';
import { shortDigest } from '../../shared/format.ts';
import { LabelChip } from '../labels/LabelChip.tsx';
import type { AssignableLabels } from './artifact-labels.ts';

/**
 * An artifact's labels as chips; with `onDetach` each has a remove button, with `onAttach` a menu offers
 * the global and project labels it does not carry yet.
 */
export function ArtifactLabels({ artifact, assignable, onAttach, onDetach }: { artifact: Artifact; assignable: AssignableLabels; onAttach?(label: Label): void; onDetach?(label: Label): void }) {
  const { t } = useTranslation();
  const carried = new Set((artifact.labels ?? []).map((label) => label.id));
  const group = (key: string, title: string, labels: Label[]) => {
    const open = labels.filter((label) => !carried.has(label.id));
    return open.length === 0 ? [] : [{ type: 'group' as const, key, label: title, children: open.map((label) => ({ key: String(label.id), label: <LabelChip name={label.name} color={label.color} /> })) }];
  };
  const items: MenuProps['items'] = [...group('g', t('artifactLabels.global'), assignable.global), ...group('p', t('artifactLabels.project'), assignable.project)];
  const byId = new Map([...assignable.global, ...assignable.project].map((label) => [String(label.id), label]));
  const addLabel = t('artifactLabels.addTo', { digest: shortDigest(artifact.digest) });
  return (
    <Space size={[0, 4]} wrap>
      {(artifact.labels ?? []).map((label) => (
        <LabelChip
          key={label.id}
          name={label.name}
          color={label.color}
          onRemove={onDetach && (() => onDetach(label))}
          removeLabel={t('artifactLabels.detachNamed', { name: label.name })}
        />
      ))}
      {onAttach && items.length > 0 && (
        <Dropdown trigger={['click']} menu={{ items, onClick: ({ key }) => onAttach(byId.get(key)!), style: { maxHeight: 320, overflowY: 'auto' } }}>
          <Tooltip title={t('artifactLabels.add')}>
            <Button size="small" type="dashed" icon={<TagsOutlined />} aria-label={addLabel} />
          </Tooltip>
        </Dropdown>
      )}
    </Space>
  );
}
