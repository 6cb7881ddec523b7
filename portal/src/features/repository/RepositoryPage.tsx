import { useState } from 'react';
import { App, Breadcrumb, Button, Empty, Flex, Grid, Space, Spin, Table, Tag, Tooltip, Typography } from 'antd';
import { CopyOutlined, DeleteOutlined, PlusOutlined } from '@ant-design/icons';
import { keepPreviousData, useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useTranslation } from 'react-i18next';
import { Link, useNavigate } from 'react-router';
import { api, getPage } from '../../api/client.ts';
import type { Artifact, Repository } from '../../api/types.ts';
import { CopyButton } from '../../shared/CopyButton.tsx';
import { useConfirm } from '../../shared/confirm.ts';
import { DateText } from '../../shared/DateText.tsx';
import { ErrorAlert } from '../../shared/ErrorAlert.tsx';
import { formatSize, shortDigest } from '../../shared/format.ts';
import { harborQ } from '../../shared/harbor-q.ts';
import { artifactUrl } from '../../shared/links.ts';
import { usePaging } from '../../shared/paging.ts';
import { useProjectPermissions } from '../../shared/permissions.ts';
import { useRegistryHost } from '../../shared/queries.ts';
import { usePageTitle } from '../../shared/usePageTitle.ts';
import { useProject, useProjectId } from '../project/project-context.ts';
import { AddTagDialog } from './AddTagDialog.tsx';
import { ArtifactIcon } from './ArtifactIcon.tsx';
import { ImmutableMark } from './ImmutableMark.tsx';
import { ArtifactLabels } from './ArtifactLabels.tsx';
import { useArtifactLabelMutations, useAssignableLabels } from './artifact-labels.ts';
import { CopyArtifactDialog, type CopySource } from './CopyArtifactDialog.tsx';
import { LabelFilter } from './LabelFilter.tsx';
import { platformsOf } from './platforms.ts';
import { pullCommands } from '../artifact/pull-command.ts';
import { artifactsPath, repositoryPath, useDeleteRepository, useTagMutations } from './repository-api.ts';
import { RepositoryDescription } from './RepositoryDescription.tsx';
import { ListSearch } from '../../shared/ListSearch.tsx';

/** Harbor's artifact filter: a fuzzy tag match and, with `labels=(…)`, artifacts carrying all the chosen labels. */
function artifactQ(search: string, labelIds: number[]): string | undefined {
  const terms = [harborQ([{ field: 'tags', value: search, fuzzy: true }]), labelIds.length > 0 ? `labels=(${labelIds.join(' ')})` : undefined].filter(Boolean);
  return terms.length > 0 ? terms.join(',') : undefined;
}

export default function RepositoryPage({ repositoryName }: { repositoryName: string }) {
  const wide = Grid.useBreakpoint().lg === true;
  const { t, i18n } = useTranslation();
  const projectId = useProjectId();
  const project = useProject(projectId);
  const projectName = project.data?.name;
  usePageTitle(projectName && `${projectName}/${repositoryName}`);
  const can = useProjectPermissions(projectId);
  const host = useRegistryHost();
  const { message } = App.useApp();
  const confirm = useConfirm();
  const queryClient = useQueryClient();
  const navigate = useNavigate();
  const paging = usePaging(10);
  const [search, setSearch] = useState('');
  const [labelIds, setLabelIds] = useState<number[]>([]);
  const [selected, setSelected] = useState<Artifact[]>([]);
  const [tagging, setTagging] = useState<string>();
  const [copying, setCopying] = useState<CopySource>();
  const repository = useQuery({
    queryKey: ['repository', projectName, repositoryName],
    queryFn: () => api.get<Repository>(repositoryPath(projectName!, repositoryName)),
    enabled: !!projectName,
  });
  const artifacts = useQuery({
    queryKey: ['artifacts', projectName, repositoryName, search, labelIds, paging.query],
    queryFn: () => getPage<Artifact>(artifactsPath(projectName!, repositoryName), { ...paging.query, with_tag: true, with_label: true, with_immutable_status: true, q: artifactQ(search, labelIds) }),
    enabled: !!projectName,
    placeholderData: keepPreviousData,
  });
  const assignable = useAssignableLabels(projectId, can('label', 'list'));
  const { addTag, deleteTag } = useTagMutations(projectName ?? '', repositoryName);
  const { attach, detach } = useArtifactLabelMutations(projectName ?? '', repositoryName);
  const deleteRepository = useDeleteRepository(projectName ?? '');
  const deleteArtifacts = useMutation({
    mutationFn: async (victims: Artifact[]) => {
      for (const artifact of victims) await api.delete(`${artifactsPath(projectName!, repositoryName)}/${artifact.digest}`);
    },
    onSuccess: async (_data, victims) => {
      void message.success(t('artifacts.deleted', { count: victims.length }));
      setSelected([]);
      await queryClient.invalidateQueries({ queryKey: ['artifacts'] });
      await queryClient.invalidateQueries({ queryKey: ['repository'] });
    },
    // Some may be gone already: show what is left.
    onError: () => queryClient.invalidateQueries({ queryKey: ['artifacts'] }),
  });

  if (project.isError) return <ErrorAlert error={project.error} />;
  if (!projectName) return <Spin />;
  const imageRef = `${host}/${projectName}/${repositoryName}`;
  const failure = deleteTag.error ?? deleteArtifacts.error ?? attach.error ?? detach.error ?? deleteRepository.error;

  return (
    <section aria-labelledby="repository-title">
      <Breadcrumb
        items={[
          { title: <Link to="/projects">{t('projects.title')}</Link> },
          { title: <Link to={`/projects/${projectId}/repositories`}>{projectName}</Link> },
          { title: repositoryName },
        ]}
      />
      <Flex justify="space-between" align="center" wrap gap={8}>
        <Typography.Title level={2} id="repository-title" style={{ marginTop: 8 }}>
          {projectName}/{repositoryName}
        </Typography.Title>
        {can('repository', 'delete') && (
          <Button
            danger
            icon={<DeleteOutlined />}
            onClick={() =>
              confirm({
                title: t('repository.deleteTitle'),
                content: t('repository.deleteConfirm', { name: `${projectName}/${repositoryName}` }),
                onOk: () =>
                  deleteRepository
                    .mutateAsync(repositoryName)
                    .then(() => navigate(`/projects/${projectId}/repositories`))
                    .catch(() => undefined),
              })
            }
          >
            {t('repository.delete')}
          </Button>
        )}
      </Flex>
      {repository.isError && <ErrorAlert error={repository.error} />}
      {repository.data && <RepositoryDescription projectName={projectName} repositoryName={repositoryName} description={repository.data.description ?? ''} canEdit={can('repository', 'update')} />}
      <Space style={{ marginBottom: 16, width: '100%', justifyContent: 'space-between' }} wrap>
        {can('artifact', 'delete') ? (
          <Button
            danger
            icon={<DeleteOutlined />}
            disabled={selected.length === 0}
            onClick={() =>
              confirm({
                title: t('artifacts.deleteTitle'),
                content: t('artifacts.deleteConfirm', { count: selected.length, digests: selected.map((a) => shortDigest(a.digest)).join(', ') }),
                onOk: () => deleteArtifacts.mutateAsync(selected).catch(() => undefined),
              })
            }
          >
            {t('artifacts.deleteSelected', { count: selected.length })}
          </Button>
        ) : (
          <span />
        )}
        <Space wrap>
          <LabelFilter
            assignable={assignable}
            value={labelIds}
            onChange={(ids) => {
              setLabelIds(ids);
              paging.reset();
            }}
          />
          <ListSearch label={t('artifacts.searchTags')} paging={paging} onSearch={setSearch} />
        </Space>
      </Space>
      {artifacts.isError && <ErrorAlert error={artifacts.error} />}
      {failure && <ErrorAlert error={failure} />}
      <Table<Artifact>
        rowKey="digest"
        loading={artifacts.isFetching}
        dataSource={artifacts.data?.items}
        pagination={paging.pagination(artifacts.data?.total ?? 0)}
        // No scroll.x here: its hidden measuring row would hold the focusable select-all box (axe: aria-hidden-focus).
        style={{ overflowX: 'auto' }}
        locale={{ emptyText: <Empty description={labelIds.length > 0 ? t('artifactLabels.noMatch') : search ? t('artifacts.noMatch') : t('artifacts.empty')} /> }}
        rowSelection={
          can('artifact', 'delete')
            ? {
                selectedRowKeys: selected.map((a) => a.digest),
                onChange: (_keys, rows) => setSelected(rows),
                getCheckboxProps: (artifact) => ({ 'aria-label': t('artifacts.select', { digest: shortDigest(artifact.digest) }) }),
              }
            : undefined
        }
        columns={[
          {
            title: t('artifacts.artifact'),
            dataIndex: 'digest',
            render: (digest: string, artifact) => (
              // One line: a digest broken across lines (one character a line in a narrow window) cannot be read.
              <Space size={4} style={{ whiteSpace: 'nowrap' }}>
                <ArtifactIcon digest={artifact.icon} label={t(`artifactTypes.${artifact.type}`, { defaultValue: artifact.type })} />
                <Link to={artifactUrl(projectId, repositoryName, digest)}>
                  <Typography.Text code>{shortDigest(digest)}</Typography.Text>
                </Link>
                <CopyButton text={digest} label={t('artifacts.copyDigest')} />
              </Space>
            ),
          },
          {
            title: t('artifacts.tags'),
            key: 'tags',
            render: (_, artifact) => (
              <Space size={[0, 4]} wrap>
                {(artifact.tags ?? []).map((tag) => (
                  <Tag
                    key={tag.id}
                    closable={can('tag', 'delete')}
                    closeIcon={can('tag', 'delete') ? <span aria-label={t('tags.deleteNamed', { name: tag.name })}>×</span> : undefined}
                    onClose={(event) => {
                      event.preventDefault();
                      confirm({
                        title: t('tags.deleteTitle'),
                        content: t('tags.deleteConfirm', { name: tag.name }),
                        onOk: () => deleteTag.mutateAsync({ digest: artifact.digest, name: tag.name }).catch(() => undefined),
                      });
                    }}
                  >
                    <span>{tag.name}</span>
                    {tag.immutable && <ImmutableMark />}
                  </Tag>
                ))}
                {can('tag', 'create') && (
                  <Tooltip title={t('tags.add')}>
                    <Button size="small" type="dashed" icon={<PlusOutlined />} aria-label={t('tags.addTo', { digest: shortDigest(artifact.digest) })} onClick={() => setTagging(artifact.digest)} />
                  </Tooltip>
                )}
              </Space>
            ),
          },
          {
            title: t('artifactLabels.labels'),
            key: 'labels',
            render: (_, artifact) => (
              <ArtifactLabels
                artifact={artifact}
                assignable={assignable}
                onAttach={can('artifact-label', 'create') ? (label) => attach.mutate({ digest: artifact.digest, label }) : undefined}
                onDetach={can('artifact-label', 'delete') ? (label) => detach.mutate({ digest: artifact.digest, label }) : undefined}
              />
            ),
          },
          { title: t('artifacts.size'), dataIndex: 'size', align: 'right', render: (size: number) => formatSize(size, i18n.language) },
          {
            title: t('artifacts.platforms'),
            key: 'platforms',
            responsive: ['lg'],
            render: (_, artifact) => platformsOf(artifact).map((platform) => <Tag key={platform}>{platform}</Tag>),
          },
          {
            title: t('artifacts.pullCommand'),
            key: 'pull',
            responsive: ['lg'],
            render: (_, artifact) => {
              const tag = artifact.tags?.[0]?.name;
              const command = pullCommands(artifact.type, imageRef, tag ? { tag } : { digest: artifact.digest })[0]!.command;
              return <CopyButton text={command} label={t('artifacts.copyPullCommand', { reference: tag ?? shortDigest(artifact.digest) })} />;
            },
          },
          { title: t('artifacts.pushed'), dataIndex: 'push_time', render: (value: string) => <DateText value={value} /> },
          // In a narrower window the columns the artifact's own page shows too give way (platforms and pull command
          // below 992 px, last pull below 1200 px), so the digest stays on one line and the actions in view.
          { title: t('artifacts.pulled'), dataIndex: 'pull_time', responsive: ['xl'], render: (value: string) => <DateText value={value} /> },
          ...(can('repository', 'pull')
            ? [
                {
                  title: t('common.actions'),
                  key: 'actions',
                  render: (_: unknown, artifact: Artifact) => (
                    <Tooltip title={wide ? undefined : t('copyArtifact.copy')}>
                      <Button size="small" icon={<CopyOutlined />} aria-label={t('copyArtifact.copyNamed', { digest: shortDigest(artifact.digest) })} onClick={() => setCopying({ projectName, repositoryName, digest: artifact.digest })}>
                        {/* The icon alone in a narrow window: the word takes the room the other columns need. */}
                        {wide && t('copyArtifact.copy')}
                      </Button>
                    </Tooltip>
                  ),
                },
              ]
            : []),
        ]}
      />
      <AddTagDialog digest={tagging} addTag={addTag} onClose={() => setTagging(undefined)} />
      {copying && <CopyArtifactDialog source={copying} onClose={() => setCopying(undefined)} />}
    </section>
  );
}
