import { useState } from 'react';
import { App, Button, Empty, Form, Table } from 'antd';
import { keepPreviousData, useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useTranslation } from 'react-i18next';
import { Link } from 'react-router';
import { api, getPage } from '../../api/client.ts';
import type { Quota } from '../../api/types.ts';
import { ErrorAlert } from '../../shared/ErrorAlert.tsx';
import { usePaging } from '../../shared/paging.ts';
import { QuotaUsage } from '../../shared/QuotaUsage.tsx';
import { StorageLimitInput, storageLimitRule } from '../../shared/StorageLimitInput.tsx';
import { FormDialog } from '../../shared/FormDialog.tsx';

interface LimitForm {
  hard: number;
}

function LimitDialog({ quota, onClose }: { quota: Quota | undefined; onClose(): void }) {
  const { t } = useTranslation();
  const { message } = App.useApp();
  const queryClient = useQueryClient();
  const [form] = Form.useForm<LimitForm>();
  const save = useMutation({
    mutationFn: (values: LimitForm) => api.put(`/api/v2.0/quotas/${quota!.id}`, { hard: { storage: values.hard } }),
    onSuccess: async () => {
      void message.success(t('quotas.saved', { name: quota!.ref.name }));
      // Closed at once: the list's refetch need not hold the dialog open.
      onClose();
      await queryClient.invalidateQueries({ queryKey: ['quotas'] });
    },
  });
  return (
    <FormDialog title={t('quotas.editTitle', { name: quota?.ref.name ?? '' })} open={quota !== undefined} onClose={onClose} okText={t('common.save')} form={form} submission={save}>
      {quota && (
        <Form<LimitForm> form={form} layout="vertical" initialValues={{ hard: quota.hard.storage }} onFinish={(values) => save.mutate(values)}>
          <Form.Item name="hard" rules={[storageLimitRule(t('common.required'))]}>
            <StorageLimitInput />
          </Form.Item>
        </Form>
      )}
    </FormDialog>
  );
}

/** Every project's storage quota: usage against the limit, and the limit changed by system administrators. */
export default function QuotasTab() {
  const { t } = useTranslation();
  const paging = usePaging();
  const [editing, setEditing] = useState<Quota>();
  const quotas = useQuery({
    queryKey: ['quotas', paging.query],
    queryFn: () => getPage<Quota>('/api/v2.0/quotas', { ...paging.query, reference: 'project', sort: '-used.storage' }),
    placeholderData: keepPreviousData,
  });
  return (
    <>
      {quotas.isError && <ErrorAlert error={quotas.error} />}
      <Table<Quota>
        rowKey="id"
        loading={quotas.isFetching}
        dataSource={quotas.data?.items}
        pagination={paging.pagination(quotas.data?.total ?? 0)}
        scroll={{ x: 'max-content' }}
        locale={{ emptyText: <Empty description={t('quotas.empty')} /> }}
        columns={[
          { title: t('quotas.project'), key: 'project', render: (_, quota) => <Link to={`/projects/${quota.ref.id}/summary`}>{quota.ref.name}</Link> },
          { title: t('quotas.owner'), key: 'owner', render: (_, quota) => quota.ref.owner_name || '—' },
          { title: t('quotas.usage'), key: 'usage', width: 280, render: (_, quota) => <QuotaUsage quota={quota} /> },
          {
            title: t('common.actions'),
            key: 'actions',
            render: (_, quota) => (
              <Button size="small" onClick={() => setEditing(quota)}>
                {t('quotas.edit')}
              </Button>
            ),
          },
        ]}
      />
      <LimitDialog quota={editing} onClose={() => setEditing(undefined)} />
    </>
  );
}
