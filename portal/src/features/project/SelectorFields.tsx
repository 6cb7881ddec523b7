import { Form, Input, Select, Space, Tag } from 'antd';
import { CheckCircleOutlined, StopOutlined } from '@ant-design/icons';
import { useTranslation } from 'react-i18next';
import type { Selector } from '../../api/types.ts';

/** The form fields of a rule's two selectors. */
export interface SelectorValues {
  repoDecoration: 'repoMatches' | 'repoExcludes';
  repoPattern: string;
  tagDecoration: 'matches' | 'excludes';
  tagPattern: string;
}

export const DEFAULT_SELECTORS: SelectorValues = { repoDecoration: 'repoMatches', repoPattern: '**', tagDecoration: 'matches', tagPattern: '**' };

export function selectorValues(rule: { tag_selectors: Selector[]; scope_selectors: { repository: Selector[] } }): SelectorValues {
  const repository = rule.scope_selectors.repository[0];
  const tag = rule.tag_selectors[0];
  return {
    repoDecoration: repository?.decoration === 'repoExcludes' ? 'repoExcludes' : 'repoMatches',
    repoPattern: repository?.pattern ?? '',
    tagDecoration: tag?.decoration === 'excludes' ? 'excludes' : 'matches',
    tagPattern: tag?.pattern ?? '',
  };
}

/** "matching app/**", "excluding dev-*": how a table shows one selector. */
export function SelectorText({ selector }: { selector: Selector | undefined }) {
  const { t } = useTranslation();
  if (!selector) return <>—</>;
  const excluding = selector.decoration === 'excludes' || selector.decoration === 'repoExcludes';
  return (
    <span>
      {excluding ? t('selectors.excluding') : t('selectors.matching')} <code>{selector.pattern || '**'}</code>
    </span>
  );
}

/** One selector: matching or excluding, and its pattern. */
function SelectorRow(props: { label: string; patternLabel: string; decorations: [string, string]; kind: 'repo' | 'tag'; extra?: string }) {
  const { t } = useTranslation();
  return (
    <Space.Compact block>
      <Form.Item label={props.label} name={`${props.kind}Decoration`} style={{ width: '40%' }}>
        <Select
          aria-label={props.label}
          options={[
            { value: props.decorations[0], label: t('selectors.matching') },
            { value: props.decorations[1], label: t('selectors.excluding') },
          ]}
        />
      </Form.Item>
      <Form.Item label={props.patternLabel} name={`${props.kind}Pattern`} rules={[{ required: true, whitespace: true, message: t('common.required') }, { max: 1024 }]} style={{ width: '60%' }} extra={props.extra}>
        <Input />
      </Form.Item>
    </Space.Compact>
  );
}

/** Which repositories and tags a rule covers, as doublestar patterns. */
export function SelectorFields() {
  const { t } = useTranslation();
  return (
    <>
      <SelectorRow kind="repo" label={t('selectors.repositories')} patternLabel={t('selectors.repositoryPattern')} decorations={['repoMatches', 'repoExcludes']} />
      <SelectorRow kind="tag" label={t('selectors.tags')} patternLabel={t('selectors.tagPattern')} decorations={['matches', 'excludes']} extra={t('selectors.patternHelp')} />
    </>
  );
}

/** Whether a rule is on. */
export function RuleStatus({ disabled }: { disabled: boolean }) {
  const { t } = useTranslation();
  // Plain tags with an icon: antd's coloured ones fall short of the contrast text needs.
  return disabled ? <Tag icon={<StopOutlined />}>{t('rules.disabled')}</Tag> : <Tag icon={<CheckCircleOutlined />}>{t('rules.enabled')}</Tag>;
}
