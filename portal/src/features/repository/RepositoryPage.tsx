import { useState } from 'react';
import { App, Breadcrumb, Button, Empty, Input, Space, Spin, Table, Tag, Tooltip, Typography } from 'antd';
import { DeleteOutlined, PlusOutlined } from '@ant-design/icons';
import { keepPreviousData, useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useTranslation } from 'react-i18next';
import { Link } from 'react-router';
import { api, getPage, repoPath } from '../../api/client.ts';
import type { Artifact, Repository } from '../../api/types.ts';
import { CopyButton } from '../../shared/CopyButton.tsx';
import { useConfirm } from '../../shared/confirm.ts';
import { DateText } from '../../shared/DateText.tsx';
import { ErrorAlert } from '../../shared/ErrorAlert.tsx';
import { formatSize, shortDigest } from '../../shared/format.ts';
import { artifactUrl } from '../../shared/links.ts';
import { usePaging } from '../../shared/paging.ts';
import { useProjectPermissions } from '../../shared/permissions.ts';
import { useRegistryHost } from '../../shared/queries.ts';
import { usePageTitle } from '../../shared/usePageTitle.ts';
import { useProject, useProjectId } from '../project/project-context.ts';
import { AddTagDialog } from './AddTagDialog.tsx';
import { ArtifactIcon } from './ArtifactIcon.tsx';
import { platformsOf } from './platforms.ts';
import { artifactsPath, useTagMutations } from './repository-api.ts';

export default function RepositoryPage({ repositoryName }: { repositoryName: string }) {
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
  const paging = usePaging(10);
  const [search, setSearch] = useState('');
  const [selected, setSelected] = useState<Artifact[]>([]);
  const [tagging, setTagging] = useState<string>();
  const repository = useQuery({
    queryKey: ['repository', projectName, repositoryName],
    queryFn: () => api.get<Repository>(`/api/v2.0/projects/${encodeURIComponent(projectName!)}/repositories/${repoPath(repositoryName)}`),
    enabled: !!projectName,
  });
  const artifacts = useQuery({
    queryKey: ['artifacts', projectName, repositoryName, search, paging.query],
    queryFn: () =>
      getPage<Artifact>(artifactsPath(projectName!, repositoryName), { ...paging.query, with_tag: true, with_label: true, q: search ? `tags=~${search.replace(/[,=~{}()\[\]]/g, '')}` : undefined }),
    enabled: !!projectName,
    placeholderData: keepPreviousData,
  });
  const { addTag, deleteTag } = useTagMutations(projectName ?? '', repositoryName);
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
  const failure = deleteTag.error ?? deleteArtifacts.error;

  return (
    <section aria-labelledby="repository-title">
      <Breadcrumb
        items={[
          { title: <Link to="/projects">{t('projects.title')}</Link> },
          { title: <Link to={`/projects/${projectId}/repositories`}>{projectName}</Link> },
          { title: repositoryName },
        ]}
      />
      <Typography.Title level={2} id="repository-title" style={{ marginTop: 8 }}>
        {projectName}/{repositoryName}
      </Typography.Title>
      {repository.isError && <ErrorAlert error={repository.error} />}
      {repository.data?.description && (
        // A description (or README) is the user's text, shown as preformatted text, never as HTML.
        <Typography.Paragraph>
          <pre style={{ whiteSpace: 'pre-wrap', margin: 0 }}>{repository.data.description}</pre>
        </Typography.Paragraph>
      )}
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
        <Input.Search
          aria-label={t('artifacts.searchTags')}
          placeholder={t('artifacts.searchTags')}
          allowClear
          onSearch={(value) => {
            setSearch(value.trim());
            paging.reset();
          }}
          style={{ width: 280 }}
        />
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
        locale={{ emptyText: <Empty description={search ? t('artifacts.noMatch') : t('artifacts.empty')} /> }}
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
              <Space size={4}>
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
          { title: t('artifacts.size'), dataIndex: 'size', align: 'right', render: (size: number) => formatSize(size, i18n.language) },
          {
            title: t('artifacts.platforms'),
            key: 'platforms',
            render: (_, artifact) => platformsOf(artifact).map((platform) => <Tag key={platform}>{platform}</Tag>),
          },
          {
            title: t('artifacts.pullCommand'),
            key: 'pull',
            render: (_, artifact) => {
              const tag = artifact.tags?.[0]?.name;
              const command = `docker pull ${imageRef}${tag ? `:${tag}` : `@${artifact.digest}`}`;
              return <CopyButton text={command} label={t('artifacts.copyPullCommand', { reference: tag ?? shortDigest(artifact.digest) })} />;
            },
          },
          { title: t('artifacts.pushed'), dataIndex: 'push_time', render: (value: string) => <DateText value={value} /> },
          { title: t('artifacts.pulled'), dataIndex: 'pull_time', render: (value: string) => <DateText value={value} /> },
        ]}
      />
      <AddTagDialog digest={tagging} addTag={addTag} onClose={() => setTagging(undefined)} />
    </section>
  );
}
