import { useState, type ReactNode } from 'react';
import { App, Button, Empty, Flex, Form, Input, Select, Space, Spin, Table, Tag, Typography, type TableColumnsType } from 'antd';
import { CheckCircleOutlined, ClockCircleOutlined, CloseCircleOutlined, StopOutlined, SyncOutlined } from '@ant-design/icons';
import { keepPreviousData, useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useTranslation } from 'react-i18next';
import { api, getPage } from '../../api/client.ts';
import { DateText } from '../../shared/DateText.tsx';
import { ErrorAlert } from '../../shared/ErrorAlert.tsx';
import { useConfirm } from '../../shared/confirm.ts';
import { usePaging } from '../../shared/paging.ts';
import { LogDialog } from './LogDialog.tsx';

/** A run as Harbor's GCHistory / ExecHistory give it. */
export interface SystemJobRun {
  id: number;
  job_kind: string;
  job_parameters: string;
  job_status: string;
  creation_time: string;
  update_time: string;
}

interface ScheduleBody {
  job_parameters?: string;
  schedule?: { type?: string; cron?: string; next_scheduled_time?: string };
}

interface Worker {
  job_name: string;
  check_in: string;
}

export type Parameters = Record<string, unknown>;

const SCHEDULE_TYPES = ['None', 'Hourly', 'Daily', 'Weekly', 'Custom'] as const;
/** Each status by its icon and word, not by colour (antd's coloured tags miss WCAG AA contrast). */
const STATUSES: Record<string, ReactNode> = {
  Pending: <ClockCircleOutlined />,
  Running: <SyncOutlined spin />,
  Success: <CheckCircleOutlined />,
  Error: <CloseCircleOutlined />,
  Stopped: <StopOutlined />,
};
/** While a run is pending or running, its status and progress are read this often. */
const ACTIVE_REFRESH_MS = 1000;
/** Otherwise the history is read this often, for the runs its schedule starts. */
const IDLE_REFRESH_MS = 10_000;

function parametersOf(run: { job_parameters?: string }): Parameters {
  try {
    return JSON.parse(run.job_parameters ?? '{}') as Parameters;
  } catch {
    return {};
  }
}

const active = (status: string) => status === 'Pending' || status === 'Running';

export interface SystemJobPanelProps {
  /** e.g. /api/v2.0/system/gc */
  base: string;
  /** Harbor's vendor type, as workers report it (GARBAGE_COLLECTION, PURGE_AUDIT_LOG). */
  vendorType: string;
  /** What the job does, above its form. */
  help: string;
  /** The job's own parameter fields (Form.Items named after Harbor's parameters). */
  fields: ReactNode;
  /** The form's values of the parameters of a saved schedule. */
  formValues(parameters: Parameters): Parameters;
  /** Harbor's parameters from the form's values. */
  parameters(values: Parameters): Parameters;
  /** History columns showing the run's parameters. */
  columns: TableColumnsType<SystemJobRun & { parameters: Parameters }>;
}

/**
 * One of Harbor's system jobs with one schedule and a history (garbage
 * collection, the audit-log purge): its schedule and parameters, run now or
 * as a dry run, and the runs with their status, live progress, log and stop.
 */
export function SystemJobPanel(props: SystemJobPanelProps) {
  const schedule = useQuery({ queryKey: ['systemJob', props.base, 'schedule'], queryFn: () => api.get<ScheduleBody>(`${props.base}/schedule`) });
  if (schedule.isPending) return <Spin />;
  if (schedule.isError) return <ErrorAlert error={schedule.error} />;
  return (
    <Space direction="vertical" size="large" style={{ width: '100%' }}>
      <Typography.Paragraph type="secondary">{props.help}</Typography.Paragraph>
      <ScheduleForm {...props} saved={schedule.data} />
      <RunHistory {...props} />
    </Space>
  );
}

function ScheduleForm({ base, vendorType, fields, formValues, parameters, saved }: SystemJobPanelProps & { saved: ScheduleBody }) {
  const { t } = useTranslation();
  const { message } = App.useApp();
  const queryClient = useQueryClient();
  const [form] = Form.useForm<Parameters>();
  const type = Form.useWatch('scheduleType', form) as string | undefined;
  const savedType = saved.schedule?.type ?? 'None';
  const initial = { scheduleType: savedType, cron: saved.schedule?.cron ?? '', ...formValues(parametersOf(saved)) };
  const refresh = () => queryClient.invalidateQueries({ queryKey: ['systemJob', base] });
  const save = useMutation({
    mutationFn: (values: Parameters) =>
      api.put(`${base}/schedule`, {
        schedule: { type: values.scheduleType, ...(values.scheduleType === 'Custom' && { cron: String(values.cron ?? '').trim() }) },
        parameters: parameters(values),
      }),
    onSuccess: async () => {
      void message.success(t('cleanUp.scheduleSaved'));
      await refresh();
    },
  });
  const run = useMutation({
    mutationFn: async (dryRun: boolean) => {
      await form.validateFields();
      await api.post(`${base}/schedule`, { schedule: { type: 'Manual' }, parameters: { ...parameters(form.getFieldsValue(true) as Parameters), dry_run: dryRun } });
    },
    onSuccess: async () => {
      void message.success(t('cleanUp.started'));
      await refresh();
    },
  });
  const failure = save.error ?? run.error;
  return (
    <div>
      {failure && <ErrorAlert error={failure} />}
      <Form<Parameters> form={form} name={vendorType} layout="vertical" initialValues={initial} onFinish={(values) => save.mutate(values)} style={{ maxWidth: 560 }}>
        <Form.Item label={t('cleanUp.schedule')} name="scheduleType" extra={savedType !== 'None' && saved.schedule?.next_scheduled_time ? <span>{t('cleanUp.nextRun')} <DateText value={saved.schedule.next_scheduled_time} /></span> : undefined}>
          <Select options={SCHEDULE_TYPES.map((value) => ({ value, label: t(`cleanUp.scheduleTypes.${value}`) }))} />
        </Form.Item>
        {type === 'Custom' && (
          <Form.Item label={t('cleanUp.cron')} name="cron" rules={[{ required: true, message: t('common.required') }]}>
            <Input placeholder="0 0 0 * * *" />
          </Form.Item>
        )}
        {fields}
        <Flex gap={8} wrap>
          <Button type="primary" htmlType="submit" loading={save.isPending}>
            {t('cleanUp.saveSchedule')}
          </Button>
          <Button onClick={() => run.mutate(false)} loading={run.isPending && run.variables === false}>
            {t('cleanUp.runNow')}
          </Button>
          <Button onClick={() => run.mutate(true)} loading={run.isPending && run.variables === true}>
            {t('cleanUp.dryRun')}
          </Button>
        </Flex>
      </Form>
    </div>
  );
}

function RunHistory({ base, vendorType, columns }: SystemJobPanelProps) {
  const { t } = useTranslation();
  const { message } = App.useApp();
  const confirm = useConfirm();
  const queryClient = useQueryClient();
  const paging = usePaging(10);
  const [logOf, setLogOf] = useState<number>();
  const runs = useQuery({
    queryKey: ['systemJob', base, 'runs', paging.query],
    queryFn: () => getPage<SystemJobRun>(base, paging.query),
    placeholderData: keepPreviousData,
    refetchInterval: (query) => (query.state.data?.items.some((run) => active(run.job_status)) ? ACTIVE_REFRESH_MS : IDLE_REFRESH_MS),
  });
  const running = runs.data?.items.some((run) => run.job_status === 'Running') ?? false;
  // Harbor's check-in of the running task: the job's own progress note.
  const workers = useQuery({
    queryKey: ['systemJob', base, 'progress'],
    queryFn: () => api.get<Worker[]>('/api/v2.0/jobservice/pools/all/workers'),
    enabled: running,
    refetchInterval: ACTIVE_REFRESH_MS,
  });
  const progress = workers.data?.find((worker) => worker.job_name === vendorType)?.check_in;
  const stop = useMutation({
    mutationFn: (id: number) => api.put(`${base}/${id}`),
    onSuccess: () => void message.success(t('jobService.stopAsked')),
    onSettled: async () => {
      await queryClient.invalidateQueries({ queryKey: ['systemJob', base] });
    },
  });
  const rows = (runs.data?.items ?? []).map((run) => ({ ...run, parameters: parametersOf(run) }));
  return (
    <section aria-labelledby={`${vendorType}-history`}>
      <Typography.Title level={4} id={`${vendorType}-history`}>
        {t('cleanUp.history')}
      </Typography.Title>
      {runs.isError && <ErrorAlert error={runs.error} />}
      {stop.isError && <ErrorAlert error={stop.error} />}
      <Table<SystemJobRun & { parameters: Parameters }>
        rowKey="id"
        size="small"
        loading={runs.isLoading}
        dataSource={rows}
        pagination={paging.pagination(runs.data?.total ?? 0)}
        scroll={{ x: 'max-content' }}
        locale={{ emptyText: <Empty description={t('cleanUp.empty')} /> }}
        columns={[
          { title: t('jobService.jobId'), dataIndex: 'id' },
          { title: t('cleanUp.trigger'), key: 'trigger', render: (_, run) => t(run.job_kind === 'SCHEDULE' ? 'cleanUp.triggers.SCHEDULE' : 'cleanUp.triggers.MANUAL') },
          { title: t('cleanUp.dryRun'), key: 'dryRun', render: (_, run) => (run.parameters.dry_run === true ? t('artifactAttrs.yes') : t('artifactAttrs.no')) },
          ...columns,
          {
            title: t('cleanUp.status'),
            key: 'status',
            render: (_, run) => (
              <Space direction="vertical" size={0}>
                <Tag icon={STATUSES[run.job_status]}>{run.job_status in STATUSES ? t(`cleanUp.statuses.${run.job_status}`) : run.job_status}</Tag>
                {run.job_status === 'Running' && progress && <Typography.Text type="secondary">{progress}</Typography.Text>}
              </Space>
            ),
          },
          { title: t('common.created'), key: 'created', render: (_, run) => <DateText value={run.creation_time} /> },
          { title: t('common.updated'), key: 'updated', render: (_, run) => <DateText value={run.update_time} /> },
          {
            title: t('common.actions'),
            key: 'actions',
            render: (_, run) => (
              <Space>
                <Button size="small" onClick={() => setLogOf(run.id)}>
                  {t('jobService.log')}
                </Button>
                {active(run.job_status) && (
                  <Button
                    size="small"
                    danger
                    onClick={() =>
                      confirm({
                        title: t('cleanUp.stopTitle', { id: run.id }),
                        content: t('cleanUp.stopContent'),
                        okText: t('jobService.stop'),
                        onOk: () => stop.mutateAsync(run.id),
                      })
                    }
                  >
                    {t('jobService.stop')}
                  </Button>
                )}
              </Space>
            ),
          },
        ]}
      />
      <LogDialog title={t('cleanUp.logTitle', { id: logOf ?? '' })} url={logOf === undefined ? undefined : `${base}/${logOf}/log`} onClose={() => setLogOf(undefined)} />
    </section>
  );
}
