import { useState } from 'react';
import { App, Button, Empty, Flex, Form, Space, Table, Typography } from 'antd';
import { PlusOutlined } from '@ant-design/icons';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useTranslation } from 'react-i18next';
import { api } from '../../api/client.ts';
import type { ImmutableRule } from '../../api/types.ts';
import { DeleteButton } from '../../shared/DeleteButton.tsx';
import { ErrorAlert } from '../../shared/ErrorAlert.tsx';
import { FormDialog } from '../../shared/FormDialog.tsx';
import { useProjectPermissions } from '../../shared/permissions.ts';
import { useProjectOfPage } from './project-context.ts';
import { DEFAULT_SELECTORS, RuleStatus, SelectorFields, SelectorText, selectorValues, type SelectorValues } from './SelectorFields.tsx';

/** Harbor's limit, which Berth's API keeps too. */
const MAX_RULES = 15;

function ruleBody(values: SelectorValues, disabled: boolean, id?: number) {
  return {
    ...(id !== undefined && { id }),
    action: 'immutable',
    template: 'immutable_template',
    disabled,
    tag_selectors: [{ kind: 'doublestar', decoration: values.tagDecoration, pattern: values.tagPattern.trim() }],
    scope_selectors: { repository: [{ kind: 'doublestar', decoration: values.repoDecoration, pattern: values.repoPattern.trim() }] },
  };
}

function RuleDialog({ projectId, rule, onClose }: { projectId: number; rule?: ImmutableRule; onClose(): void }) {
  const { t } = useTranslation();
  const { message } = App.useApp();
  const queryClient = useQueryClient();
  const [form] = Form.useForm<SelectorValues>();
  const save = useMutation({
    mutationFn: (values: SelectorValues) =>
      rule
        ? api.put(`/api/v2.0/projects/${projectId}/immutabletagrules/${rule.id}`, ruleBody(values, rule.disabled, rule.id))
        : api.post(`/api/v2.0/projects/${projectId}/immutabletagrules`, ruleBody(values, false)),
    onSuccess: async () => {
      void message.success(rule ? t('immutability.updated') : t('immutability.created'));
      await queryClient.invalidateQueries({ queryKey: ['immutable-rules', projectId] });
      onClose();
    },
  });
  return (
    <FormDialog title={rule ? t('immutability.editTitle') : t('immutability.addTitle')} onClose={onClose} okText={rule ? t('common.save') : t('common.add')} form={form} submission={save} width={640}>
      <Form<SelectorValues> form={form} layout="vertical" initialValues={rule ? selectorValues(rule) : DEFAULT_SELECTORS} onFinish={(values) => save.mutate(values)}>
        <SelectorFields />
      </Form>
    </FormDialog>
  );
}

/** The project's immutable tag rules: list, add, edit, enable or disable, delete — for project admins and maintainers. */
export default function ImmutabilityTab() {
  const { t } = useTranslation();
  const { message } = App.useApp();
  const project = useProjectOfPage();
  const projectId = project.project_id;
  const can = useProjectPermissions(projectId);
  const queryClient = useQueryClient();
  const [editing, setEditing] = useState<{ rule?: ImmutableRule }>();
  const rules = useQuery({
    queryKey: ['immutable-rules', projectId],
    queryFn: () => api.get<ImmutableRule[]>(`/api/v2.0/projects/${projectId}/immutabletagrules`, { query: { page_size: MAX_RULES } }),
  });
  const refresh = () => queryClient.invalidateQueries({ queryKey: ['immutable-rules', projectId] });
  const toggle = useMutation({
    mutationFn: (rule: ImmutableRule) => api.put(`/api/v2.0/projects/${projectId}/immutabletagrules/${rule.id}`, ruleBody(selectorValues(rule), !rule.disabled, rule.id)),
    onSuccess: async (_data, rule) => {
      void message.success(rule.disabled ? t('immutability.enabledMessage') : t('immutability.disabledMessage'));
      await refresh();
    },
  });
  const remove = useMutation({
    mutationFn: (rule: ImmutableRule) => api.delete(`/api/v2.0/projects/${projectId}/immutabletagrules/${rule.id}`),
    onSuccess: async () => {
      void message.success(t('immutability.deleted'));
      await refresh();
    },
  });
  const count = rules.data?.length ?? 0;
  return (
    <>
      <Typography.Paragraph>{t('immutability.explain')}</Typography.Paragraph>
      <Flex justify="space-between" align="center" wrap gap={8} style={{ marginBottom: 16 }}>
        {can('immutable-tag', 'create') ? (
          <Button type="primary" icon={<PlusOutlined />} disabled={count >= MAX_RULES} onClick={() => setEditing({})}>
            {t('immutability.add')}
          </Button>
        ) : (
          <span />
        )}
        <Typography.Text type="secondary">{t('immutability.count', { count, max: MAX_RULES })}</Typography.Text>
      </Flex>
      {rules.isError && <ErrorAlert error={rules.error} />}
      {toggle.isError && <ErrorAlert error={toggle.error} />}
      {remove.isError && <ErrorAlert error={remove.error} />}
      <Table<ImmutableRule>
        rowKey="id"
        loading={rules.isFetching}
        dataSource={rules.data}
        pagination={false}
        scroll={{ x: 'max-content' }}
        locale={{ emptyText: <Empty description={t('immutability.empty')} /> }}
        columns={[
          { title: t('selectors.repositories'), key: 'repositories', render: (_, rule) => <SelectorText selector={rule.scope_selectors.repository[0]} /> },
          { title: t('selectors.tags'), key: 'tags', render: (_, rule) => <SelectorText selector={rule.tag_selectors[0]} /> },
          { title: t('rules.status'), key: 'status', render: (_, rule) => <RuleStatus disabled={rule.disabled} /> },
          {
            title: t('common.actions'),
            key: 'actions',
            render: (_, rule) => (
              <Space>
                {can('immutable-tag', 'update') && (
                  <>
                    <Button size="small" onClick={() => setEditing({ rule })}>
                      {t('rules.edit')}
                    </Button>
                    <Button size="small" loading={toggle.isPending && toggle.variables?.id === rule.id} onClick={() => toggle.mutate(rule)}>
                      {rule.disabled ? t('rules.enable') : t('rules.disable')}
                    </Button>
                  </>
                )}
                {can('immutable-tag', 'delete') && <DeleteButton title={t('immutability.deleteTitle')} content={t('immutability.deleteConfirm')} onDelete={() => remove.mutateAsync(rule)} />}
              </Space>
            ),
          },
        ]}
      />
      {editing && <RuleDialog key={editing.rule?.id ?? 'new'} projectId={projectId} rule={editing.rule} onClose={() => setEditing(undefined)} />}
    </>
  );
}
