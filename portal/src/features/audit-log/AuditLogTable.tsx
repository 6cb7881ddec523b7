import { useState } from 'react';
import { Button, DatePicker, Empty, Form, Input, Select, Table, Tag, type GetProps } from 'antd';
import { keepPreviousData, useQuery } from '@tanstack/react-query';
import { useTranslation } from 'react-i18next';
import { getPage } from '../../api/client.ts';
import type { AuditLogEntry } from '../../api/types.ts';
import { DateText } from '../../shared/DateText.tsx';
import { ErrorAlert } from '../../shared/ErrorAlert.tsx';
import { harborQ, harborRange, joinQ } from '../../shared/harbor-q.ts';
import { usePaging } from '../../shared/paging.ts';
import { usePickerNames } from './picker-names.ts';

/** What Berth records (audit/audit-log.ts): the resource types and operations its events have. */
const RESOURCE_TYPES = ['artifact', 'configuration', 'member', 'project', 'quota', 'repository', 'robot', 'tag', 'user', 'user_group'];
const OPERATIONS = ['create', 'update', 'delete', 'pull', 'login', 'logout'];

type Period = GetProps<typeof DatePicker.RangePicker>['value'];

interface Filters {
  username?: string;
  resource?: string;
  resource_type?: string;
  operation?: string;
  /** Whole days in the reader's time zone, from the first day's start to the last day's end. */
  period?: Period;
}

/** Harbor's audit-log-ext listing at `path` (system-wide or one project's), filtered and paged, newest first. */
export function AuditLogTable({ path }: { path: string }) {
  const { t } = useTranslation();
  const paging = usePaging();
  const [filters, setFilters] = useState<Filters>({});
  const pickerNames = usePickerNames();
  const logs = useQuery({
    // The period as timestamps: picker values are objects a query key should not hold.
    queryKey: ['audit-log', path, { ...filters, period: filters.period?.map((day) => day?.valueOf()) }, paging.query],
    queryFn: () =>
      getPage<AuditLogEntry>(path, {
        ...paging.query,
        sort: '-op_time',
        q: joinQ(
          harborQ([
            { field: 'username', value: filters.username, fuzzy: true },
            { field: 'resource', value: filters.resource, fuzzy: true },
            { field: 'resource_type', value: filters.resource_type },
            { field: 'operation', value: filters.operation },
          ]),
          harborRange('op_time', filters.period?.[0]?.startOf('day').toDate(), filters.period?.[1]?.endOf('day').toDate()),
        ),
      }),
    placeholderData: keepPreviousData,
  });
  const resourceType = (type: string) => (RESOURCE_TYPES.includes(type) ? t(`auditLog.resourceTypes.${type}`) : type);
  const operation = (op: string) => (OPERATIONS.includes(op) ? t(`auditLog.operations.${op}`) : op);
  const filtered = Object.values(filters).some((value) => value);
  return (
    <>
      <Form<Filters>
        layout="inline"
        aria-label={t('auditLog.filters')}
        onFinish={(values) => {
          setFilters(values);
          paging.reset();
        }}
        style={{ marginBottom: 16, rowGap: 8 }}
      >
        <Form.Item label={t('auditLog.username')} name="username">
          <Input allowClear style={{ width: 160 }} />
        </Form.Item>
        <Form.Item label={t('auditLog.resource')} name="resource">
          <Input allowClear style={{ width: 200 }} />
        </Form.Item>
        <Form.Item label={t('auditLog.resourceType')} name="resource_type">
          <Select allowClear style={{ width: 180 }} options={RESOURCE_TYPES.map((value) => ({ value, label: resourceType(value) }))} />
        </Form.Item>
        <Form.Item label={t('auditLog.operation')} name="operation">
          <Select allowClear style={{ width: 160 }} options={OPERATIONS.map((value) => ({ value, label: operation(value) }))} />
        </Form.Item>
        <Form.Item label={t('auditLog.period')} name="period">
          <DatePicker.RangePicker allowEmpty={[true, true]} locale={{ lang: pickerNames } as GetProps<typeof DatePicker.RangePicker>['locale']} />
        </Form.Item>
        <Form.Item>
          <Button type="primary" htmlType="submit">
            {t('auditLog.apply')}
          </Button>
        </Form.Item>
      </Form>
      {logs.isError && <ErrorAlert error={logs.error} />}
      <Table<AuditLogEntry>
        rowKey="id"
        size="small"
        loading={logs.isFetching}
        dataSource={logs.data?.items}
        pagination={paging.pagination(logs.data?.total ?? 0)}
        scroll={{ x: 'max-content' }}
        locale={{ emptyText: <Empty description={filtered ? t('auditLog.noMatch') : t('auditLog.empty')} /> }}
        columns={[
          { title: t('auditLog.time'), dataIndex: 'op_time', render: (value: string) => <DateText value={value} /> },
          { title: t('auditLog.username'), dataIndex: 'username' },
          { title: t('auditLog.resource'), dataIndex: 'resource' },
          { title: t('auditLog.resourceType'), dataIndex: 'resource_type', render: resourceType },
          { title: t('auditLog.operation'), dataIndex: 'operation', render: operation },
          { title: t('auditLog.description'), dataIndex: 'operation_description', render: (value?: string) => value || '—' },
          {
            title: t('auditLog.result'),
            dataIndex: 'operation_result',
            render: (ok?: boolean) => (ok === false ? <Tag>{t('auditLog.failed')}</Tag> : <Tag>{t('auditLog.succeeded')}</Tag>),
          },
        ]}
      />
    </>
  );
}
