import { useState } from 'react';
import { App, Button, Checkbox, Empty, Flex, Form, Input, InputNumber, Select, Space, Spin, Table, Tag, Typography } from 'antd';
import { PlusOutlined } from '@ant-design/icons';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useTranslation } from 'react-i18next';
import { api } from '../../api/client.ts';
import type { RetentionMetadata, RetentionPolicy, RetentionRule } from '../../api/types.ts';
import { DeleteButton } from '../../shared/DeleteButton.tsx';
import { ErrorAlert } from '../../shared/ErrorAlert.tsx';
import { FormDialog } from '../../shared/FormDialog.tsx';
import { useProjectPermissions } from '../../shared/permissions.ts';
import { useProjectOfPage } from './project-context.ts';
import { RetentionRuns } from './RetentionRuns.tsx';
import { DEFAULT_SELECTORS, RuleStatus, SelectorFields, SelectorText, selectorValues, type SelectorValues } from './SelectorFields.tsx';

/** Harbor's limit on a policy's rules. */
const MAX_RULES = 15;
/** Berth's extension: the rule keeps tags rather than whole artifacts (Harbor's clients ignore the key). */
const PER_TAG = 'berth.per_tag';

interface RuleValues extends SelectorValues {
  template: string;
  param?: number;
  untagged: boolean;
  perTag: boolean;
}

function untaggedOf(rule: RetentionRule): boolean {
  try {
    return JSON.parse(rule.tag_selectors[0]?.extras ?? '{}').untagged === true;
  } catch {
    return false;
  }
}

function ruleOf(values: RuleValues, metadata: RetentionMetadata, previous?: RetentionRule): RetentionRule {
  const template = metadata.templates.find((candidate) => candidate.rule_template === values.template);
  return {
    ...(previous?.id !== undefined && { id: previous.id }),
    disabled: previous?.disabled ?? false,
    action: 'retain',
    template: values.template,
    params: { ...(template?.params.length && { [values.template]: values.param ?? 0 }), ...(values.perTag && { [PER_TAG]: true }) },
    tag_selectors: [{ kind: 'doublestar', decoration: values.tagDecoration, pattern: values.tagPattern.trim(), extras: JSON.stringify({ untagged: values.untagged }) }],
    scope_selectors: { repository: [{ kind: 'doublestar', decoration: values.repoDecoration, pattern: values.repoPattern.trim() }] },
  };
}

function RuleDialog({ metadata, rule, onSave, onClose, saving }: { metadata: RetentionMetadata; rule?: RetentionRule; onSave(rule: RetentionRule): void; onClose(): void; saving: Parameters<typeof FormDialog>[0]['submission'] }) {
  const { t } = useTranslation();
  const [form] = Form.useForm<RuleValues>();
  const template = Form.useWatch('template', form);
  const tagDecoration = Form.useWatch('tagDecoration', form);
  const unit = metadata.templates.find((candidate) => candidate.rule_template === template)?.params[0]?.unit;
  const initial: RuleValues = rule
    ? { ...selectorValues(rule), template: rule.template, param: rule.params[rule.template] as number | undefined, untagged: untaggedOf(rule), perTag: rule.params[PER_TAG] === true }
    : { ...DEFAULT_SELECTORS, template: 'latestPushedK', param: 10, untagged: true, perTag: false };
  return (
    <FormDialog title={rule ? t('retention.editTitle') : t('retention.addTitle')} onClose={onClose} okText={rule ? t('common.save') : t('common.add')} form={form} submission={saving} width={640}>
      <Form<RuleValues> form={form} layout="vertical" initialValues={initial} onFinish={(values) => onSave(ruleOf(values, metadata, rule))}>
        <SelectorFields />
        <Form.Item name="untagged" valuePropName="checked">
          <Checkbox>{tagDecoration === 'excludes' ? t('retention.excludeUntagged') : t('retention.includeUntagged')}</Checkbox>
        </Form.Item>
        <Space.Compact block>
          <Form.Item label={t('retention.template')} name="template" style={{ width: '70%' }}>
            <Select aria-label={t('retention.template')} options={metadata.templates.map((candidate) => ({ value: candidate.rule_template, label: t(`retention.templates.${candidate.rule_template}`, { defaultValue: candidate.display_text }) }))} />
          </Form.Item>
          {unit && (
            <Form.Item label={unit === 'DAYS' ? t('retention.days') : t('retention.count')} name="param" rules={[{ required: true, message: t('common.required') }]} style={{ width: '30%' }}>
              <InputNumber min={0} max={unit === 'DAYS' ? 20190904 : 32766} precision={0} style={{ width: '100%' }} />
            </Form.Item>
          )}
        </Space.Compact>
        <Form.Item name="perTag" valuePropName="checked" extra={t('retention.perTagHelp')}>
          <Checkbox>{t('retention.perTag')}</Checkbox>
        </Form.Item>
      </Form>
    </FormDialog>
  );
}

/** What a rule keeps, in words: "the 10 most recently pushed artifacts". */
function RetainText({ rule }: { rule: RetentionRule }) {
  const { t } = useTranslation();
  return (
    <span>
      {t(`retention.summary.${rule.template}`, { n: rule.params[rule.template], defaultValue: rule.template })}
      {rule.params[PER_TAG] === true && <Tag style={{ marginInlineStart: 8 }}>{t('retention.perTagShort')}</Tag>}
    </span>
  );
}

/**
 * The project's tag retention policy: rules from Harbor's templates with
 * their selectors, the schedule, and its runs (RetentionRuns).
 */
export default function RetentionTab() {
  const { t } = useTranslation();
  const { message } = App.useApp();
  const project = useProjectOfPage();
  const projectId = project.project_id;
  const retentionId = project.metadata?.retention_id;
  const can = useProjectPermissions(projectId);
  const queryClient = useQueryClient();
  const [editing, setEditing] = useState<{ index?: number }>();
  const metadata = useQuery({ queryKey: ['retention-metadata'], queryFn: () => api.get<RetentionMetadata>('/api/v2.0/retentions/metadatas'), staleTime: Infinity });
  const policy = useQuery({ queryKey: ['retention', retentionId], queryFn: () => api.get<RetentionPolicy>(`/api/v2.0/retentions/${retentionId}`), enabled: retentionId !== undefined });
  const current: RetentionPolicy = policy.data ?? { algorithm: 'or', rules: [], trigger: { kind: 'Schedule', settings: { cron: '' }, references: {} }, scope: { level: 'project', ref: projectId } };
  const save = useMutation({
    mutationFn: async (next: { policy: RetentionPolicy; done: string }) => {
      const body = { algorithm: 'or', rules: next.policy.rules, trigger: next.policy.trigger, scope: { level: 'project', ref: projectId } };
      if (retentionId) await api.put(`/api/v2.0/retentions/${retentionId}`, body);
      else await api.post('/api/v2.0/retentions', body);
    },
    onSuccess: async (_data, next) => {
      void message.success(next.done);
      setEditing(undefined);
      await queryClient.invalidateQueries({ queryKey: ['project', projectId] });
      await queryClient.invalidateQueries({ queryKey: ['retention'] });
    },
  });
  const [cron, setCron] = useState<string>();
  if (metadata.isPending || (retentionId !== undefined && policy.isPending)) return <Spin />;
  if (metadata.isError) return <ErrorAlert error={metadata.error} />;
  if (policy.isError) return <ErrorAlert error={policy.error} />;
  const canChange = can('tag-retention', retentionId ? 'update' : 'create');
  const withRules = (rules: RetentionRule[], done: string) => save.mutate({ policy: { ...current, rules }, done });
  const editingRule = editing?.index !== undefined ? current.rules[editing.index] : undefined;
  return (
    <>
      <Typography.Paragraph>{t('retention.explain')}</Typography.Paragraph>
      <Flex justify="space-between" align="center" wrap gap={8} style={{ marginBottom: 16 }}>
        {canChange ? (
          <Button type="primary" icon={<PlusOutlined />} disabled={current.rules.length >= MAX_RULES} onClick={() => setEditing({})}>
            {t('retention.add')}
          </Button>
        ) : (
          <span />
        )}
        <Typography.Text type="secondary">{t('retention.ruleCount', { count: current.rules.length, max: MAX_RULES })}</Typography.Text>
      </Flex>
      {save.isError && editing === undefined && <ErrorAlert error={save.error} />}
      <Table<RetentionRule>
        rowKey={(_, index) => String(index)}
        dataSource={current.rules}
        pagination={false}
        scroll={{ x: 'max-content' }}
        locale={{ emptyText: <Empty description={t('retention.empty')} /> }}
        columns={[
          { title: t('retention.retain'), key: 'retain', render: (_, rule) => <RetainText rule={rule} /> },
          { title: t('selectors.repositories'), key: 'repositories', render: (_, rule) => <SelectorText selector={rule.scope_selectors.repository[0]} /> },
          {
            title: t('selectors.tags'),
            key: 'tags',
            render: (_, rule) => (
              <span>
                <SelectorText selector={rule.tag_selectors[0]} />
                {untaggedOf(rule) && <Typography.Text type="secondary">{` (${rule.tag_selectors[0]?.decoration === 'excludes' ? t('retention.untaggedExcluded') : t('retention.untaggedIncluded')})`}</Typography.Text>}
              </span>
            ),
          },
          { title: t('rules.status'), key: 'status', render: (_, rule) => <RuleStatus disabled={rule.disabled} /> },
          {
            title: t('common.actions'),
            key: 'actions',
            render: (_, rule, index) =>
              canChange && (
                <Space>
                  <Button size="small" onClick={() => setEditing({ index })}>
                    {t('rules.edit')}
                  </Button>
                  <Button size="small" onClick={() => withRules(current.rules.map((r, i) => (i === index ? { ...r, disabled: !r.disabled } : r)), rule.disabled ? t('retention.enabledMessage') : t('retention.disabledMessage'))}>
                    {rule.disabled ? t('rules.enable') : t('rules.disable')}
                  </Button>
                  <DeleteButton
                    title={t('retention.deleteTitle')}
                    content={t('retention.deleteConfirm')}
                    onDelete={() => save.mutateAsync({ policy: { ...current, rules: current.rules.filter((_r, i) => i !== index) }, done: t('retention.deleted') })}
                  />
                </Space>
              ),
          },
        ]}
      />
      <Typography.Title level={4} style={{ marginTop: 24 }}>
        {t('retention.schedule')}
      </Typography.Title>
      <Form layout="inline" onFinish={() => save.mutate({ policy: { ...current, trigger: { ...current.trigger, settings: { cron: (cron ?? current.trigger.settings.cron).trim() } } }, done: t('retention.scheduleSaved') })}>
        <Form.Item label={t('retention.cron')} htmlFor="retention-cron" extra={t('retention.cronHelp')}>
          <Input id="retention-cron" value={cron ?? current.trigger.settings.cron} onChange={(event) => setCron(event.target.value)} placeholder="0 0 0 * * *" disabled={!canChange} style={{ width: 240 }} />
        </Form.Item>
        {canChange && (
          <Button htmlType="submit" loading={save.isPending && editing === undefined}>
            {t('retention.saveSchedule')}
          </Button>
        )}
      </Form>
      <RetentionRuns retentionId={retentionId} canRun={can('tag-retention', 'update')} />
      {editing && (
        <RuleDialog
          key={editing.index ?? 'new'}
          metadata={metadata.data}
          rule={editingRule}
          saving={save}
          onClose={() => setEditing(undefined)}
          onSave={(rule) => withRules(editing.index === undefined ? [...current.rules, rule] : current.rules.map((r, i) => (i === editing.index ? rule : r)), editing.index === undefined ? t('retention.created') : t('retention.updated'))}
        />
      )}
    </>
  );
}
