import { useState } from 'react';
import { App, Button, Empty, Flex, Form, InputNumber, Modal, Select, Switch, Table } from 'antd';
import { keepPreviousData, useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useTranslation } from 'react-i18next';
import { Link } from 'react-router';
import { api, getPage } from '../../api/client.ts';
import type { Quota } from '../../api/types.ts';
import { ErrorAlert } from '../../shared/ErrorAlert.tsx';
import { usePaging } from '../../shared/paging.ts';
import { QuotaUsage } from '../../shared/QuotaUsage.tsx';

/** Decimal units, as the portal shows sizes everywhere (formatSize). */
const UNITS = [
  { unit: 'megabyte', bytes: 1000 ** 2 },
  { unit: 'gigabyte', bytes: 1000 ** 3 },
  { unit: 'terabyte', bytes: 1000 ** 4 },
] as const;

/** "GB" in the reader's language, from Intl rather than from a catalog. */
function unitName(unit: string, language: string): string {
  return new Intl.NumberFormat(language, { style: 'unit', unit, unitDisplay: 'short' }).formatToParts(1).find((part) => part.type === 'unit')?.value ?? unit;
}

interface LimitForm {
  unlimited: boolean;
  amount: number;
  unit: number;
}

function initialLimit(hard: number): LimitForm {
  if (hard < 0) return { unlimited: true, amount: 10, unit: UNITS[1].bytes };
  const unit = [...UNITS].reverse().find((u) => hard % u.bytes === 0 && hard >= u.bytes) ?? UNITS[0];
  return { unlimited: false, amount: hard / unit.bytes, unit: unit.bytes };
}

function LimitDialog({ quota, onClose }: { quota: Quota | undefined; onClose(): void }) {
  const { t, i18n } = useTranslation();
  const { message } = App.useApp();
  const queryClient = useQueryClient();
  const [form] = Form.useForm<LimitForm>();
  const unlimited = Form.useWatch('unlimited', form) ?? false;
  const save = useMutation({
    mutationFn: (values: LimitForm) => api.put(`/api/v2.0/quotas/${quota!.id}`, { hard: { storage: values.unlimited ? -1 : Math.round(values.amount * values.unit) } }),
    onSuccess: async () => {
      void message.success(t('quotas.saved', { name: quota!.ref.name }));
      await queryClient.invalidateQueries({ queryKey: ['quotas'] });
      onClose();
    },
  });
  const close = () => {
    save.reset();
    onClose();
  };
  return (
    <Modal
      title={t('quotas.editTitle', { name: quota?.ref.name ?? '' })}
      open={quota !== undefined}
      onCancel={close}
      onOk={() => form.submit()}
      okText={t('common.save')}
      cancelText={t('common.cancel')}
      confirmLoading={save.isPending}
      destroyOnHidden
    >
      {save.isError && <ErrorAlert error={save.error} />}
      {quota && (
        <Form<LimitForm> form={form} layout="vertical" initialValues={initialLimit(quota.hard.storage)} onFinish={(values) => save.mutate(values)}>
          <Form.Item label={t('quotas.unlimited')} name="unlimited" valuePropName="checked">
            <Switch />
          </Form.Item>
          {!unlimited && (
            <Flex gap={8}>
              <Form.Item label={t('quotas.limit')} name="amount" rules={[{ required: true, message: t('common.required') }]}>
                <InputNumber min={0.001} step={1} />
              </Form.Item>
              <Form.Item label={t('quotas.unit')} name="unit">
                <Select style={{ width: 120 }} options={UNITS.map((u) => ({ value: u.bytes, label: unitName(u.unit, i18n.language) }))} />
              </Form.Item>
            </Flex>
          )}
        </Form>
      )}
    </Modal>
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
