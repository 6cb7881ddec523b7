import { Checkbox, Form, InputNumber, Select, Tabs } from 'antd';
import { useQuery } from '@tanstack/react-query';
import { useTranslation } from 'react-i18next';
import { api } from '../../api/client.ts';
import { ErrorAlert } from '../../shared/ErrorAlert.tsx';
import { SystemJobPanel, type Parameters } from './SystemJobPanel.tsx';

function GarbageCollection() {
  const { t } = useTranslation();
  return (
    <SystemJobPanel
      base="/api/v2.0/system/gc"
      vendorType="GARBAGE_COLLECTION"
      help={t('cleanUp.gcHelp')}
      fields={
        <>
          <Form.Item name="delete_untagged" valuePropName="checked">
            <Checkbox>{t('cleanUp.deleteUntagged')}</Checkbox>
          </Form.Item>
          <Form.Item label={t('cleanUp.workers')} name="workers" rules={[{ required: true, message: t('common.required') }]}>
            <InputNumber min={1} max={5} precision={0} />
          </Form.Item>
          <Form.Item label={t('cleanUp.timeWindow')} name="time_window" extra={t('cleanUp.timeWindowHelp')} rules={[{ required: true, message: t('common.required') }]}>
            <InputNumber min={0} />
          </Form.Item>
        </>
      }
      formValues={(p) => ({ delete_untagged: p.delete_untagged === true, workers: typeof p.workers === 'number' ? p.workers : 1, time_window: typeof p.time_window === 'number' ? p.time_window : 2 })}
      parameters={(v: Parameters) => ({ delete_untagged: v.delete_untagged === true, workers: v.workers, time_window: v.time_window })}
      columns={[{ title: t('cleanUp.deleteUntagged'), key: 'deleteUntagged', render: (_, run) => (run.parameters.delete_untagged === true ? t('artifactAttrs.yes') : t('artifactAttrs.no')) }]}
    />
  );
}

function LogRotation() {
  const { t } = useTranslation();
  const events = useQuery({ queryKey: ['auditlog-event-types'], queryFn: () => api.get<{ event_type: string }[]>('/api/v2.0/auditlog-exts/events') });
  const split = (value: unknown) => (typeof value === 'string' ? value.split(',').filter(Boolean) : []);
  return (
    <>
      {events.isError && <ErrorAlert error={events.error} />}
      <SystemJobPanel
        base="/api/v2.0/system/purgeaudit"
        vendorType="PURGE_AUDIT_LOG"
        help={t('cleanUp.logRotationHelp')}
        fields={
          <>
            <Form.Item label={t('cleanUp.retentionHours')} name="audit_retention_hour" rules={[{ required: true, message: t('common.required') }]}>
              <InputNumber min={1} precision={0} />
            </Form.Item>
            <Form.Item label={t('cleanUp.eventTypes')} name="include_event_types" extra={t('cleanUp.eventTypesHelp')}>
              <Select mode="multiple" allowClear options={(events.data ?? []).map(({ event_type }) => ({ value: event_type, label: event_type }))} />
            </Form.Item>
          </>
        }
        formValues={(p) => ({ audit_retention_hour: typeof p.audit_retention_hour === 'number' ? p.audit_retention_hour : 720, include_event_types: split(p.include_event_types) })}
        parameters={(v: Parameters) => ({ audit_retention_hour: v.audit_retention_hour, include_event_types: (Array.isArray(v.include_event_types) ? v.include_event_types : []).join(',') })}
        columns={[
          { title: t('cleanUp.retentionHours'), key: 'retention', render: (_, run) => String(run.parameters.audit_retention_hour ?? '') },
          { title: t('cleanUp.eventTypes'), key: 'types', render: (_, run) => split(run.parameters.include_event_types).join(', ') },
        ]}
      />
    </>
  );
}

/** Harbor's Clean Up: garbage collection and log rotation (the audit-log purge), each with its schedule, runs and history. */
export default function CleanUpTab() {
  const { t } = useTranslation();
  return (
    <Tabs
      items={[
        { key: 'gc', label: t('cleanUp.gc'), children: <GarbageCollection /> },
        { key: 'log-rotation', label: t('cleanUp.logRotation'), children: <LogRotation /> },
      ]}
    />
  );
}
