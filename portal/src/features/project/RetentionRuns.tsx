import { useState, type ReactNode } from 'react';
import { App, Button, Empty, Modal, Space, Table, Tag, Typography } from 'antd';
import { CheckCircleOutlined, ClockCircleOutlined, CloseCircleOutlined, ExperimentOutlined, PlayCircleOutlined, StopOutlined, SyncOutlined } from '@ant-design/icons';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useTranslation } from 'react-i18next';
import { api, getPage } from '../../api/client.ts';
import type { RetentionExecution, RetentionTask } from '../../api/types.ts';
import { DateText } from '../../shared/DateText.tsx';
import { ErrorAlert } from '../../shared/ErrorAlert.tsx';
import { useConfirm } from '../../shared/confirm.ts';
import { usePaging } from '../../shared/paging.ts';

/** A run changes by the second while it goes; its history follows without a reload. */
const REFRESH_MS = 3000;
/** Told apart by icon as well as word (antd's coloured tags are below the contrast a page must keep). */
const STATUS_ICONS: Record<string, ReactNode> = {
  Success: <CheckCircleOutlined />,
  Error: <CloseCircleOutlined />,
  Stopped: <StopOutlined />,
  Running: <SyncOutlined spin />,
  Pending: <ClockCircleOutlined />,
};

function ended(status: string): boolean {
  return status !== 'Pending' && status !== 'Running';
}

function StatusTag({ status }: { status: string }) {
  const { t } = useTranslation();
  return <Tag icon={STATUS_ICONS[status]}>{t(`retention.runs.statuses.${status}`, { defaultValue: status })}</Tag>;
}

/** How long a run or task took (or has taken so far), in whole seconds. */
function Duration({ start, end }: { start?: string; end?: string }) {
  const { t } = useTranslation();
  if (!start) return null;
  const seconds = Math.max(0, Math.round(((end ? Date.parse(end) : Date.now()) - Date.parse(start)) / 1000));
  return <span>{seconds < 60 ? t('retention.runs.seconds', { value: seconds }) : t('retention.runs.minutes', { minutes: Math.floor(seconds / 60), seconds: seconds % 60 })}</span>;
}

function TaskLog({ path, repository, onClose }: { path: string | undefined; repository: string; onClose(): void }) {
  const { t } = useTranslation();
  const log = useQuery({ queryKey: ['retention-log', path], queryFn: () => api.get<string>(path!, { text: true }), enabled: path !== undefined });
  return (
    <Modal title={t('retention.runs.logTitle', { repository })} open={path !== undefined} onCancel={onClose} footer={null} width={1100}>
      {log.isError && <ErrorAlert error={log.error} />}
      {/* Harbor's table is wider than the dialog: a region of its own, which the keyboard can scroll. */}
      <pre role="region" aria-label={t('retention.runs.log')} tabIndex={0} style={{ maxHeight: 520, overflow: 'auto', fontSize: 12 }}>
        {log.data}
      </pre>
    </Modal>
  );
}

/** One run's tasks: a repository each, its status, how many of its artifacts stayed, and its log. */
function Tasks({ retentionId, execution }: { retentionId: string; execution: RetentionExecution }) {
  const { t } = useTranslation();
  const [log, setLog] = useState<RetentionTask>();
  const base = `/api/v2.0/retentions/${retentionId}/executions/${execution.id}/tasks`;
  const tasks = useQuery({
    // With the run's status: the tasks are read once more when it ends, after their own polling stopped.
    queryKey: ['retention-runs', retentionId, execution.id, 'tasks', execution.status],
    queryFn: () => getPage<RetentionTask>(base, { page: 1, page_size: 100 }),
    refetchInterval: ended(execution.status) ? false : REFRESH_MS,
  });
  if (tasks.isError) return <ErrorAlert error={tasks.error} />;
  return (
    <>
      <Table<RetentionTask>
        rowKey="id"
        size="small"
        pagination={false}
        loading={tasks.isLoading}
        dataSource={tasks.data?.items}
        locale={{ emptyText: <Empty description={t('retention.runs.noTasks')} /> }}
        columns={[
          { title: t('retention.runs.repository'), dataIndex: 'repository' },
          { title: t('retention.runs.status'), key: 'status', render: (_, task) => <StatusTag status={task.status} /> },
          { title: t('retention.runs.retained'), key: 'retained', render: (_, task) => (ended(task.status) ? t('retention.runs.retainedOf', { retained: task.retained, total: task.total }) : '') },
          { title: t('retention.runs.startTime'), key: 'start', render: (_, task) => (task.start_time ? <DateText value={task.start_time} /> : '') },
          { title: t('retention.runs.duration'), key: 'duration', render: (_, task) => <Duration start={task.start_time} end={task.end_time} /> },
          {
            title: t('common.actions'),
            key: 'actions',
            render: (_, task) => (
              <Button size="small" onClick={() => setLog(task)}>
                {t('retention.runs.log')}
              </Button>
            ),
          },
        ]}
      />
      <TaskLog path={log && `${base}/${log.id}`} repository={log?.repository ?? ''} onClose={() => setLog(undefined)} />
    </>
  );
}

/**
 * The policy's runs (Harbor's retention executions): run now, dry run, the
 * history with each run's per-repository tasks and their logs, and stop.
 */
export function RetentionRuns({ retentionId, canRun }: { retentionId: string | undefined; canRun: boolean }) {
  const { t } = useTranslation();
  const { message } = App.useApp();
  const confirm = useConfirm();
  const queryClient = useQueryClient();
  const paging = usePaging(10);
  const runs = useQuery({
    queryKey: ['retention-runs', retentionId, paging.query],
    queryFn: () => getPage<RetentionExecution>(`/api/v2.0/retentions/${retentionId}/executions`, paging.query),
    enabled: retentionId !== undefined,
    // Always: a scheduled run, or one started elsewhere, appears without a reload.
    refetchInterval: REFRESH_MS,
  });
  const refresh = async () => queryClient.invalidateQueries({ queryKey: ['retention-runs', retentionId] });
  const start = useMutation({
    mutationFn: (dryRun: boolean) => api.post(`/api/v2.0/retentions/${retentionId}/executions`, { dry_run: dryRun }),
    onSuccess: (_data, dryRun) => void message.success(dryRun ? t('retention.runs.dryRunStarted') : t('retention.runs.runStarted')),
    onSettled: refresh,
  });
  const stop = useMutation({
    mutationFn: (id: number) => api.patch(`/api/v2.0/retentions/${retentionId}/executions/${id}`, { action: 'stop' }),
    onSuccess: () => void message.success(t('retention.runs.stopAsked')),
    onSettled: refresh,
  });
  return (
    <section aria-labelledby="retention-runs">
      <Typography.Title level={4} id="retention-runs" style={{ marginTop: 24 }}>
        {t('retention.runs.title')}
      </Typography.Title>
      {canRun && (
        <Space style={{ marginBottom: 16 }}>
          <Button
            type="primary"
            icon={<PlayCircleOutlined />}
            disabled={retentionId === undefined}
            loading={start.isPending && start.variables === false}
            onClick={() => confirm({ title: t('retention.runs.runNowTitle'), content: t('retention.runs.runNowContent'), okText: t('retention.runs.runNow'), onOk: () => start.mutateAsync(false) })}
          >
            {t('retention.runs.runNow')}
          </Button>
          <Button icon={<ExperimentOutlined />} disabled={retentionId === undefined} loading={start.isPending && start.variables === true} onClick={() => start.mutate(true)}>
            {t('retention.runs.dryRun')}
          </Button>
        </Space>
      )}
      {start.isError && <ErrorAlert error={start.error} />}
      {stop.isError && <ErrorAlert error={stop.error} />}
      {runs.isError && <ErrorAlert error={runs.error} />}
      <Table<RetentionExecution>
        rowKey="id"
        size="small"
        loading={runs.isLoading && retentionId !== undefined}
        dataSource={runs.data?.items}
        pagination={paging.pagination(runs.data?.total ?? 0)}
        locale={{ emptyText: <Empty description={retentionId === undefined ? t('retention.runs.noPolicy') : t('retention.runs.empty')} /> }}
        expandable={{ expandedRowRender: (run) => <Tasks retentionId={retentionId!} execution={run} /> }}
        columns={[
          { title: t('retention.runs.id'), dataIndex: 'id' },
          { title: t('retention.runs.status'), key: 'status', render: (_, run) => <StatusTag status={run.status} /> },
          { title: t('retention.runs.trigger'), key: 'trigger', render: (_, run) => t(`retention.runs.triggers.${run.trigger}`, { defaultValue: run.trigger }) },
          { title: t('retention.runs.dryRun'), key: 'dry', render: (_, run) => (run.dry_run ? t('retention.runs.yes') : t('retention.runs.no')) },
          { title: t('retention.runs.startTime'), key: 'start', render: (_, run) => <DateText value={run.start_time} /> },
          { title: t('retention.runs.duration'), key: 'duration', render: (_, run) => <Duration start={run.start_time} end={run.end_time} /> },
          {
            title: t('common.actions'),
            key: 'actions',
            render: (_, run) =>
              canRun &&
              !ended(run.status) && (
                <Button
                  size="small"
                  danger
                  onClick={() => confirm({ title: t('retention.runs.stopTitle', { id: run.id }), content: t('retention.runs.stopContent'), okText: t('retention.runs.stop'), onOk: () => stop.mutateAsync(run.id) })}
                >
                  {t('retention.runs.stop')}
                </Button>
              ),
          },
        ]}
      />
    </section>
  );
}
