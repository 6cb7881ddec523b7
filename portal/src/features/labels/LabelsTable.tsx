import { useState } from 'react';
import { App, Button, Empty, Flex, Form, Input, Space, Table } from 'antd';
import { PlusOutlined } from '@ant-design/icons';
import { keepPreviousData, useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useTranslation } from 'react-i18next';
import { api, getPage } from '../../api/client.ts';
import type { LabelDetail } from '../../api/types.ts';
import { DateText } from '../../shared/DateText.tsx';
import { ErrorAlert } from '../../shared/ErrorAlert.tsx';
import { usePaging } from '../../shared/paging.ts';
import { LabelChip } from './LabelChip.tsx';
import { DeleteButton } from '../../shared/DeleteButton.tsx';
import { ListSearch } from '../../shared/ListSearch.tsx';
import { FormDialog } from '../../shared/FormDialog.tsx';

interface LabelForm {
  name: string;
  description: string;
  color: string;
}

const DEFAULT_COLOR = '#4a6fa5';

/** Which labels: the global ones (system administrators manage them) or one project's. */
export type LabelScope = { scope: 'g' } | { scope: 'p'; projectId: number };

function LabelDialog({ scope, label, open, onClose }: { scope: LabelScope; label?: LabelDetail; open: boolean; onClose(): void }) {
  const { t } = useTranslation();
  const { message } = App.useApp();
  const queryClient = useQueryClient();
  const [form] = Form.useForm<LabelForm>();
  const save = useMutation({
    mutationFn: (values: LabelForm) =>
      label
        ? api.put(`/api/v2.0/labels/${label.id}`, values)
        : api.post('/api/v2.0/labels', { ...values, scope: scope.scope, ...(scope.scope === 'p' && { project_id: scope.projectId }) }),
    onSuccess: async (_data, values) => {
      void message.success(label ? t('labels.updated', { name: values.name }) : t('labels.created', { name: values.name }));
      await queryClient.invalidateQueries({ queryKey: ['labels'] });
      onClose();
    },
  });
  return (
    <FormDialog title={label ? t('labels.editTitle', { name: label.name }) : t('labels.newTitle')} open={open} onClose={onClose} okText={label ? t('common.save') : t('common.create')} form={form} submission={save}>
      <Form<LabelForm>
        form={form}
        layout="vertical"
        initialValues={{ name: label?.name ?? '', description: label?.description ?? '', color: label?.color || DEFAULT_COLOR }}
        onFinish={(values) => save.mutate(values)}
      >
        <Form.Item label={t('labels.name')} name="name" rules={[{ required: true, whitespace: true, message: t('common.required') }, { max: 128 }]}>
          <Input />
        </Form.Item>
        <Form.Item label={t('labels.description')} name="description" rules={[{ max: 1024 }]}>
          <Input />
        </Form.Item>
        <Form.Item label={t('labels.color')} name="color">
          <input type="color" style={{ width: 64, height: 32, padding: 0, border: 'none', background: 'none' }} />
        </Form.Item>
      </Form>
    </FormDialog>
  );
}

/** Harbor's labels of one scope: list, search, create, edit and delete, each offered only when allowed. */
export function LabelsTable({ scope, canCreate, canUpdate, canDelete }: { scope: LabelScope; canCreate: boolean; canUpdate: boolean; canDelete: boolean }) {
  const { t } = useTranslation();
  const { message } = App.useApp();
  const queryClient = useQueryClient();
  const paging = usePaging();
  const [search, setSearch] = useState('');
  const [editing, setEditing] = useState<{ label?: LabelDetail }>();
  const scopeQuery = scope.scope === 'p' ? { scope: 'p', project_id: scope.projectId } : { scope: 'g' };
  const labels = useQuery({
    queryKey: ['labels', scopeQuery, search, paging.query],
    queryFn: () => getPage<LabelDetail>('/api/v2.0/labels', { ...scopeQuery, ...paging.query, name: search }),
    placeholderData: keepPreviousData,
  });
  const remove = useMutation({
    mutationFn: (label: LabelDetail) => api.delete(`/api/v2.0/labels/${label.id}`),
    onSuccess: async (_data, label) => {
      void message.success(t('labels.deleted', { name: label.name }));
      await queryClient.invalidateQueries({ queryKey: ['labels'] });
    },
  });
  return (
    <>
      <Flex justify="space-between" wrap gap={8} style={{ marginBottom: 16 }}>
        {canCreate ? (
          <Button type="primary" icon={<PlusOutlined />} onClick={() => setEditing({})}>
            {t('labels.new')}
          </Button>
        ) : (
          <span />
        )}
        <ListSearch label={t('labels.search')} paging={paging} onSearch={setSearch} />
      </Flex>
      {labels.isError && <ErrorAlert error={labels.error} />}
      {remove.isError && <ErrorAlert error={remove.error} />}
      <Table<LabelDetail>
        rowKey="id"
        loading={labels.isFetching}
        dataSource={labels.data?.items}
        pagination={paging.pagination(labels.data?.total ?? 0)}
        scroll={{ x: 'max-content' }}
        locale={{ emptyText: <Empty description={search ? t('labels.noMatch') : t('labels.empty')} /> }}
        columns={[
          { title: t('labels.name'), key: 'name', render: (_, label) => <LabelChip name={label.name} color={label.color} /> },
          { title: t('labels.description'), dataIndex: 'description', render: (value?: string) => value || '—' },
          { title: t('common.created'), dataIndex: 'creation_time', render: (value: string) => <DateText value={value} /> },
          {
            title: t('common.actions'),
            key: 'actions',
            render: (_, label) => (
              <Space>
                {canUpdate && (
                  <Button size="small" onClick={() => setEditing({ label })}>
                    {t('labels.edit')}
                  </Button>
                )}
                {canDelete && (
                  <DeleteButton title={t('labels.deleteTitle')} content={t('labels.deleteConfirm', { name: label.name })} onDelete={() => remove.mutateAsync(label)} />
                )}
              </Space>
            ),
          },
        ]}
      />
      <LabelDialog key={editing?.label?.id ?? 'new'} scope={scope} label={editing?.label} open={editing !== undefined} onClose={() => setEditing(undefined)} />
    </>
  );
}
