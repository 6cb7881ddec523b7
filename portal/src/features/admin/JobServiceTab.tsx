import { useState } from 'react';
import { App, Button, Empty, Space, Table, Tag, Typography } from 'antd';
import { PauseCircleOutlined, PlayCircleOutlined } from '@ant-design/icons';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useTranslation } from 'react-i18next';
import { api } from '../../api/client.ts';
import { DateText } from '../../shared/DateText.tsx';
import { ErrorAlert } from '../../shared/ErrorAlert.tsx';
import { useConfirm } from '../../shared/confirm.ts';
import { LogDialog } from './LogDialog.tsx';

interface JobQueue {
  job_type: string;
  count: number;
  latency: number;
  paused: boolean;
}

interface WorkerPool {
  pid: number;
  worker_pool_id: string;
  host: string;
  concurrency: number;
}

interface Worker {
  id: string;
  pool_id: string;
  job_name: string;
  job_id: string;
  start_at?: string;
  check_in: string;
}

interface ScheduleTask {
  id: number;
  vendor_type: string;
  cron: string;
  update_time: string;
}

/** The scheduler's own queue in Harbor's API: pausing it pauses every schedule. */
const SCHEDULER = 'SCHEDULER';
/** Running jobs change by the second; the page follows them without a reload. */
const REFRESH_MS = 3000;

function useQueueAction() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: ({ jobType, action }: { jobType: string; action: 'pause' | 'resume' | 'stop' }) => api.put(`/api/v2.0/jobservice/queues/${encodeURIComponent(jobType)}`, { action }),
    onSettled: async () => {
      await queryClient.invalidateQueries({ queryKey: ['jobservice'] });
    },
  });
}

function QueuesSection() {
  const { t } = useTranslation();
  const { message } = App.useApp();
  const confirm = useConfirm();
  const queues = useQuery({ queryKey: ['jobservice', 'queues'], queryFn: () => api.get<JobQueue[]>('/api/v2.0/jobservice/queues'), refetchInterval: REFRESH_MS });
  const action = useQueueAction();
  const run = (jobType: string, verb: 'pause' | 'resume') => action.mutate({ jobType, action: verb }, { onSuccess: () => void message.success(t('jobService.applied')) });
  return (
    <section aria-labelledby="jobservice-queues">
      <Typography.Title level={4} id="jobservice-queues">
        {t('jobService.queues')}
      </Typography.Title>
      {queues.isError && <ErrorAlert error={queues.error} />}
      {action.isError && <ErrorAlert error={action.error} />}
      <Table<JobQueue>
        rowKey="job_type"
        size="small"
        pagination={false}
        loading={queues.isLoading}
        dataSource={queues.data?.filter((q) => q.job_type !== SCHEDULER)}
        columns={[
          { title: t('jobService.jobType'), dataIndex: 'job_type' },
          { title: t('jobService.pending'), dataIndex: 'count' },
          { title: t('jobService.latency'), dataIndex: 'latency' },
          { title: t('jobService.state'), key: 'state', render: (_, q) => (q.paused ? <Tag icon={<PauseCircleOutlined />}>{t('jobService.paused')}</Tag> : <Tag icon={<PlayCircleOutlined />}>{t('jobService.active')}</Tag>) },
          {
            title: t('common.actions'),
            key: 'actions',
            render: (_, q) => (
              <Space>
                {q.paused ? (
                  <Button size="small" onClick={() => run(q.job_type, 'resume')}>
                    {t('jobService.resume')}
                  </Button>
                ) : (
                  <Button size="small" onClick={() => run(q.job_type, 'pause')}>
                    {t('jobService.pause')}
                  </Button>
                )}
                <Button
                  size="small"
                  danger
                  disabled={q.count === 0}
                  onClick={() =>
                    confirm({
                      title: t('jobService.stopPendingTitle', { type: q.job_type }),
                      content: t('jobService.stopPendingContent'),
                      okText: t('jobService.stopPending'),
                      onOk: () => action.mutateAsync({ jobType: q.job_type, action: 'stop' }),
                    })
                  }
                >
                  {t('jobService.stopPending')}
                </Button>
              </Space>
            ),
          },
        ]}
      />
    </section>
  );
}

function RunningSection() {
  const { t } = useTranslation();
  const { message } = App.useApp();
  const confirm = useConfirm();
  const queryClient = useQueryClient();
  const [logOf, setLogOf] = useState<string>();
  const pools = useQuery({ queryKey: ['jobservice', 'pools'], queryFn: () => api.get<WorkerPool[]>('/api/v2.0/jobservice/pools'), refetchInterval: REFRESH_MS });
  const workers = useQuery({ queryKey: ['jobservice', 'workers'], queryFn: () => api.get<Worker[]>('/api/v2.0/jobservice/pools/all/workers'), refetchInterval: REFRESH_MS });
  const stop = useMutation({
    mutationFn: (jobId: string) => api.put(`/api/v2.0/jobservice/jobs/${jobId}`),
    onSuccess: () => void message.success(t('jobService.stopAsked')),
    onSettled: async () => {
      await queryClient.invalidateQueries({ queryKey: ['jobservice'] });
    },
  });
  const poolOf = new Map((pools.data ?? []).map((p) => [p.worker_pool_id, p]));
  const busy = (workers.data ?? []).filter((w) => w.job_id !== '');
  return (
    <section aria-labelledby="jobservice-running">
      <Typography.Title level={4} id="jobservice-running">
        {t('jobService.running')}
      </Typography.Title>
      {(pools.isError || workers.isError) && <ErrorAlert error={pools.error ?? workers.error} />}
      {stop.isError && <ErrorAlert error={stop.error} />}
      <Typography.Paragraph type="secondary">{t('jobService.poolSummary', { pools: pools.data?.length ?? 0, workers: workers.data?.length ?? 0 })}</Typography.Paragraph>
      <Table<Worker>
        rowKey="id"
        size="small"
        pagination={false}
        loading={workers.isLoading}
        dataSource={busy}
        locale={{ emptyText: <Empty description={t('jobService.noRunning')} /> }}
        columns={[
          { title: t('jobService.jobType'), dataIndex: 'job_name' },
          { title: t('jobService.jobId'), dataIndex: 'job_id' },
          { title: t('jobService.process'), key: 'process', render: (_, w) => (poolOf.has(w.pool_id) ? `${poolOf.get(w.pool_id)!.host} (${poolOf.get(w.pool_id)!.pid})` : w.pool_id) },
          { title: t('jobService.startedAt'), key: 'start', render: (_, w) => <DateText value={w.start_at} /> },
          { title: t('jobService.progress'), dataIndex: 'check_in' },
          {
            title: t('common.actions'),
            key: 'actions',
            render: (_, w) => (
              <Space>
                <Button size="small" onClick={() => setLogOf(w.job_id)}>
                  {t('jobService.log')}
                </Button>
                <Button
                  size="small"
                  danger
                  onClick={() =>
                    confirm({
                      title: t('jobService.stopTitle', { id: w.job_id }),
                      content: t('jobService.stopContent'),
                      okText: t('jobService.stop'),
                      onOk: () => stop.mutateAsync(w.job_id),
                    })
                  }
                >
                  {t('jobService.stop')}
                </Button>
              </Space>
            ),
          },
        ]}
      />
      <LogDialog title={t('jobService.logTitle', { id: logOf ?? '' })} url={logOf === undefined ? undefined : `/api/v2.0/jobservice/jobs/${logOf}/log`} onClose={() => setLogOf(undefined)} />
    </section>
  );
}

function SchedulesSection() {
  const { t } = useTranslation();
  const { message } = App.useApp();
  const schedules = useQuery({ queryKey: ['jobservice', 'schedules'], queryFn: () => api.get<ScheduleTask[]>('/api/v2.0/schedules', { query: { page_size: 100 } }), refetchInterval: REFRESH_MS });
  const paused = useQuery({ queryKey: ['jobservice', 'schedulerPaused'], queryFn: () => api.get<{ paused: boolean }>('/api/v2.0/schedules/all/paused'), refetchInterval: REFRESH_MS });
  const action = useQueueAction();
  const isPaused = paused.data?.paused ?? false;
  return (
    <section aria-labelledby="jobservice-schedules">
      <Typography.Title level={4} id="jobservice-schedules">
        {t('jobService.schedules')}
      </Typography.Title>
      {(schedules.isError || paused.isError) && <ErrorAlert error={schedules.error ?? paused.error} />}
      {action.isError && <ErrorAlert error={action.error} />}
      <Space style={{ marginBottom: 12 }}>
        {isPaused ? <Tag icon={<PauseCircleOutlined />}>{t('jobService.schedulesPaused')}</Tag> : <Tag icon={<PlayCircleOutlined />}>{t('jobService.schedulesActive')}</Tag>}
        <Button size="small" onClick={() => action.mutate({ jobType: SCHEDULER, action: isPaused ? 'resume' : 'pause' }, { onSuccess: () => void message.success(t('jobService.applied')) })}>
          {isPaused ? t('jobService.resumeSchedules') : t('jobService.pauseSchedules')}
        </Button>
      </Space>
      <Table<ScheduleTask>
        rowKey="id"
        size="small"
        pagination={false}
        loading={schedules.isLoading}
        dataSource={schedules.data}
        locale={{ emptyText: <Empty description={t('jobService.noSchedules')} /> }}
        columns={[
          { title: t('jobService.jobType'), dataIndex: 'vendor_type' },
          { title: t('jobService.cron'), dataIndex: 'cron', render: (cron: string) => <Typography.Text code>{cron}</Typography.Text> },
          { title: t('common.updated'), key: 'updated', render: (_, s) => <DateText value={s.update_time} /> },
        ]}
      />
    </section>
  );
}

/** Harbor's job service dashboard: queues (pause, resume, stop pending), running jobs (log, stop) and schedules. */
export default function JobServiceTab() {
  return (
    <Space direction="vertical" size="large" style={{ width: '100%' }}>
      <QueuesSection />
      <RunningSection />
      <SchedulesSection />
    </Space>
  );
}
