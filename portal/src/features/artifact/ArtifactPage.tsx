import { useState } from 'react';
import { Breadcrumb, Button, Descriptions, Empty, Flex, Space, Spin, Table, Tabs, Tag, Typography } from 'antd';
import { CopyOutlined, PlusOutlined } from '@ant-design/icons';
import { useQuery } from '@tanstack/react-query';
import { useTranslation } from 'react-i18next';
import { Link } from 'react-router';
import { api, ApiError } from '../../api/client.ts';
import type { Accessory, Artifact, BuildHistoryEntry, ChartDependency, Tag as TagModel } from '../../api/types.ts';
import { CopyButton } from '../../shared/CopyButton.tsx';
import { DateText } from '../../shared/DateText.tsx';
import { ErrorAlert } from '../../shared/ErrorAlert.tsx';
import { formatSize, shortDigest } from '../../shared/format.ts';
import { artifactUrl, repositoryUrl } from '../../shared/links.ts';
import { useProjectPermissions } from '../../shared/permissions.ts';
import { useRegistryHost } from '../../shared/queries.ts';
import { usePageTitle } from '../../shared/usePageTitle.ts';
import { useProject, useProjectId } from '../project/project-context.ts';
import { AddTagDialog } from '../repository/AddTagDialog.tsx';
import { ArtifactIcon } from '../repository/ArtifactIcon.tsx';
import { ArtifactLabels } from '../repository/ArtifactLabels.tsx';
import { useArtifactLabelMutations, useAssignableLabels } from '../repository/artifact-labels.ts';
import { CopyArtifactDialog } from '../repository/CopyArtifactDialog.tsx';
import { ImmutableMark } from '../repository/ImmutableMark.tsx';
import { platformsOf } from '../repository/platforms.ts';
import { artifactsPath, useTagMutations } from '../repository/repository-api.ts';
import { DeleteButton } from '../../shared/DeleteButton.tsx';
import { attributeRows } from './artifact-attributes.tsx';
import { preferredReference, pullCommands } from './pull-command.ts';

function Preformatted({ text }: { text: string }) {
  // User content (values.yaml, README): plain text, never rendered as HTML or Markdown.
  return <pre style={{ whiteSpace: 'pre-wrap', wordBreak: 'break-word', maxHeight: 520, overflow: 'auto', padding: 12, borderRadius: 6, background: 'rgba(127,127,127,0.12)', margin: 0 }}>{text}</pre>;
}

/**
 * One addition's tab: it asks for the addition itself, when the tab is first
 * shown. (Asked for by the page instead, a result the page never read while
 * the tab was closed would not re-render it: React Query re-renders only for
 * the fields a render used, and the tab would spin for ever.)
 * Only the API's own paths are followed.
 */
function AdditionPanel<T>({ artifact, name, text, children }: { artifact: Artifact; name: string; text: boolean; children: (data: T) => React.ReactNode }) {
  const { t } = useTranslation();
  const href = artifact.addition_links?.[name]?.href;
  const query = useQuery({
    queryKey: ['addition', href],
    queryFn: () => api.get<T>(href!, { text }),
    enabled: !!href && href.startsWith('/api/v2.0/'),
    staleTime: Infinity,
  });
  // An addition the artifact does not have (a chart without a README) is nothing to show, not a failure.
  if (query.isError && query.error instanceof ApiError && query.error.status === 404) return <Empty description={t('artifact.additionMissing')} />;
  if (query.isError) return <ErrorAlert error={query.error} />;
  if (query.isPending) return <Spin />;
  return <>{children(query.data)}</>;
}

export default function ArtifactPage({ repositoryName, digest }: { repositoryName: string; digest: string }) {
  const { t, i18n } = useTranslation();
  const projectId = useProjectId();
  const project = useProject(projectId);
  const projectName = project.data?.name;
  usePageTitle(projectName && `${projectName}/${repositoryName}@${shortDigest(digest)}`);
  const can = useProjectPermissions(projectId);
  const host = useRegistryHost();
  const [tagging, setTagging] = useState(false);
  const [copying, setCopying] = useState(false);
  const artifact = useQuery({
    queryKey: ['artifact', projectName, repositoryName, digest],
    queryFn: () => api.get<Artifact>(`${artifactsPath(projectName!, repositoryName)}/${digest}`, { query: { with_tag: true, with_label: true, with_accessory: true, with_immutable_status: true } }),
    enabled: !!projectName,
  });
  const { addTag, deleteTag } = useTagMutations(projectName ?? '', repositoryName);
  const assignable = useAssignableLabels(projectId, can('label', 'list'));
  const { attach, detach } = useArtifactLabelMutations(projectName ?? '', repositoryName);

  if (project.isError) return <ErrorAlert error={project.error} />;
  if (artifact.isError) return <ErrorAlert error={artifact.error} />;
  if (!artifact.data || !projectName) return <Spin />;
  const a = artifact.data;
  const typeLabel = t(`artifactTypes.${a.type}`, { defaultValue: a.type });
  const imageRef = `${host}/${projectName}/${repositoryName}`;
  const links = a.addition_links ?? {};
  const pullReference = preferredReference(a.type, a.digest, a.tags ?? []);
  const referenceName = 'tag' in pullReference ? pullReference.tag : shortDigest(a.digest);
  const platforms = platformsOf(a);

  const labelFailure = attach.error ?? detach.error;
  const overview = (
    <>
      {labelFailure && <ErrorAlert error={labelFailure} />}
      <Descriptions bordered column={1} size="small">
        <Descriptions.Item label={t('artifact.digest')}>
          <Typography.Text code style={{ wordBreak: 'break-all' }}>
            {a.digest}
          </Typography.Text>{' '}
          <CopyButton text={a.digest} label={t('artifacts.copyDigest')} />
        </Descriptions.Item>
        <Descriptions.Item label={t('artifact.type')}>
          <Space size={4}>
            <ArtifactIcon digest={a.icon} label={typeLabel} />
            {typeLabel}
          </Space>
        </Descriptions.Item>
        <Descriptions.Item label={t('artifact.mediaType')}>{a.manifest_media_type}</Descriptions.Item>
        {a.artifact_type && a.artifact_type !== a.manifest_media_type && <Descriptions.Item label={t('artifact.artifactType')}>{a.artifact_type}</Descriptions.Item>}
        <Descriptions.Item label={t('artifactLabels.labels')}>
          {(a.labels ?? []).length === 0 && <Typography.Text type="secondary">{t('artifact.noLabels')} </Typography.Text>}
          <ArtifactLabels
            artifact={a}
            assignable={assignable}
            onAttach={can('artifact-label', 'create') ? (label) => attach.mutate({ digest: a.digest, label }) : undefined}
            onDetach={can('artifact-label', 'delete') ? (label) => detach.mutate({ digest: a.digest, label }) : undefined}
          />
        </Descriptions.Item>
        <Descriptions.Item label={t('artifacts.size')}>{formatSize(a.size, i18n.language)}</Descriptions.Item>
        {platforms.length > 0 && <Descriptions.Item label={t('artifacts.platforms')}>{platforms.map((p) => <Tag key={p}>{p}</Tag>)}</Descriptions.Item>}
        <Descriptions.Item label={t('artifacts.pushed')}>
          <DateText value={a.push_time} />
        </Descriptions.Item>
        <Descriptions.Item label={t('artifacts.pulled')}>
          <DateText value={a.pull_time} />
        </Descriptions.Item>
        <Descriptions.Item label={t('artifacts.pullCommand')}>
          <Space direction="vertical" size={4}>
            {pullCommands(a.type, imageRef, pullReference).map(({ client, command }) => (
              <span key={client}>
                <Typography.Text code style={{ wordBreak: 'break-all' }}>{command}</Typography.Text>{' '}
                <CopyButton text={command} label={t('artifact.copyCommandOf', { client, reference: referenceName })} />
              </span>
            ))}
          </Space>
        </Descriptions.Item>
        {attributeRows(a.extra_attrs, t).map(({ key, label, value }) => (
          <Descriptions.Item key={key} label={label}>
            {value}
          </Descriptions.Item>
        ))}
        {Object.entries(a.annotations ?? {}).map(([key, value]) => (
          <Descriptions.Item key={`annotation:${key}`} label={key}>
            {value}
          </Descriptions.Item>
        ))}
      </Descriptions>
    </>
  );

  const tags = (
    <>
      {can('tag', 'create') && (
        <Button type="primary" icon={<PlusOutlined />} onClick={() => setTagging(true)} style={{ marginBottom: 16 }}>
          {t('tags.add')}
        </Button>
      )}
      {deleteTag.isError && <ErrorAlert error={deleteTag.error} />}
      <Table<TagModel>
        rowKey="id"
        dataSource={a.tags ?? []}
        pagination={false}
        scroll={{ x: 'max-content' }}
        locale={{ emptyText: <Empty description={t('tags.empty')} /> }}
        columns={[
          {
            title: t('tags.name'),
            dataIndex: 'name',
            render: (name: string, tag) => (
              <Space size={12}>
                {name}
                {tag.immutable && <ImmutableMark labelled />}
              </Space>
            ),
          },
          {
            title: t('artifacts.pullCommand'),
            key: 'pull',
            render: (_, tag) => <CopyButton text={pullCommands(a.type, imageRef, { tag: tag.name })[0]!.command} label={t('artifacts.copyPullCommand', { reference: tag.name })} />,
          },
          { title: t('artifacts.pushed'), dataIndex: 'push_time', render: (value: string) => <DateText value={value} /> },
          { title: t('artifacts.pulled'), dataIndex: 'pull_time', render: (value: string) => <DateText value={value} /> },
          {
            title: t('common.actions'),
            key: 'actions',
            render: (_, tag) =>
              can('tag', 'delete') ? (
                <DeleteButton title={t('tags.deleteTitle')} content={t('tags.deleteConfirm', { name: tag.name })} onDelete={() => deleteTag.mutateAsync({ digest: a.digest, name: tag.name })} />
              ) : null,
          },
        ]}
      />
    </>
  );

  const items = [
    { key: 'overview', label: t('artifact.overview'), children: overview },
    { key: 'tags', label: t('artifact.tags'), children: tags },
  ];
  if ((a.references ?? []).length > 0) {
    items.push({
      key: 'children',
      label: t('artifact.children'),
      children: (
        <Table
          rowKey="child_digest"
          dataSource={a.references ?? []}
          pagination={false}
          scroll={{ x: 'max-content' }}
          columns={[
            {
              title: t('artifact.digest'),
              dataIndex: 'child_digest',
              render: (child: string) => (
                <Link to={artifactUrl(projectId, repositoryName, child)}>
                  <Typography.Text code>{shortDigest(child)}</Typography.Text>
                </Link>
              ),
            },
            { title: t('artifacts.platforms'), key: 'platform', render: (_, r) => [r.platform?.os, r.platform?.architecture, r.platform?.variant].filter(Boolean).join('/') || '—' },
          ]}
        />
      ),
    });
  }
  if (links.build_history) {
    items.push({
      key: 'history',
      label: t('artifact.buildHistory'),
      children: (
        <AdditionPanel<BuildHistoryEntry[]> artifact={a} name="build_history" text={false}>
          {(history) => (
          <Table<BuildHistoryEntry>
            rowKey={(_, index) => String(index)}
            dataSource={history}
            pagination={false}
            scroll={{ x: 'max-content' }}
            locale={{ emptyText: <Empty description={t('artifact.noHistory')} /> }}
            columns={[
              { title: t('common.created'), dataIndex: 'created', render: (value?: string) => <DateText value={value} /> },
              { title: t('artifact.command'), dataIndex: 'created_by', render: (value?: string) => <code style={{ whiteSpace: 'pre-wrap', wordBreak: 'break-all' }}>{value ?? ''}</code> },
            ]}
          />
          )}
        </AdditionPanel>
      ),
    });
  }
  if (links['values.yaml']) {
    items.push({ key: 'values', label: t('artifact.values'), children: <AdditionPanel<string> artifact={a} name="values.yaml" text>{(values) => (values ? <Preformatted text={values} /> : <Empty />)}</AdditionPanel> });
  }
  if (links['readme.md']) {
    items.push({ key: 'readme', label: t('artifact.readme'), children: <AdditionPanel<string> artifact={a} name="readme.md" text>{(readme) => (readme ? <Preformatted text={readme} /> : <Empty />)}</AdditionPanel> });
  }
  if (links.dependencies) {
    items.push({
      key: 'dependencies',
      label: t('artifact.dependencies'),
      children: (
        <AdditionPanel<ChartDependency[]> artifact={a} name="dependencies" text={false}>
          {(dependencies) => (
          <Table<ChartDependency>
            rowKey="name"
            dataSource={dependencies}
            pagination={false}
            locale={{ emptyText: <Empty description={t('artifact.noDependencies')} /> }}
            columns={[
              { title: t('artifact.dependencyName'), dataIndex: 'name' },
              { title: t('artifact.dependencyVersion'), dataIndex: 'version' },
              { title: t('artifact.dependencyRepository'), dataIndex: 'repository' },
            ]}
          />
          )}
        </AdditionPanel>
      ),
    });
  }
  items.push({
    key: 'accessories',
    label: t('artifact.accessories'),
    children: (
      <Table<Accessory>
        rowKey="id"
        dataSource={a.accessories ?? []}
        pagination={false}
        scroll={{ x: 'max-content' }}
        locale={{ emptyText: <Empty description={t('artifact.noAccessories')} /> }}
        columns={[
          { title: t('artifact.type'), dataIndex: 'type', render: (type: string, accessory) => <Space size={4}><ArtifactIcon digest={accessory.icon} label={t(`accessoryTypes.${type}`, { defaultValue: type })} />{t(`accessoryTypes.${type}`, { defaultValue: type })}</Space> },
          {
            title: t('artifact.digest'),
            dataIndex: 'digest',
            render: (child: string) => (
              <Link to={artifactUrl(projectId, repositoryName, child)}>
                <Typography.Text code>{shortDigest(child)}</Typography.Text>
              </Link>
            ),
          },
          { title: t('artifacts.size'), dataIndex: 'size', render: (size: number) => formatSize(size, i18n.language) },
          { title: t('common.created'), dataIndex: 'creation_time', render: (value: string) => <DateText value={value} /> },
        ]}
      />
    ),
  });
  items.push({ key: 'api', label: t('artifact.apiView'), children: <><Typography.Paragraph type="secondary">{t('artifact.apiViewHelp')}</Typography.Paragraph><Preformatted text={JSON.stringify(a, null, 2)} /></> });

  return (
    <section aria-labelledby="artifact-title">
      <Breadcrumb
        items={[
          { title: <Link to="/projects">{t('projects.title')}</Link> },
          { title: <Link to={`/projects/${projectId}/repositories`}>{projectName}</Link> },
          { title: <Link to={repositoryUrl(projectId, repositoryName)}>{repositoryName}</Link> },
          { title: shortDigest(a.digest) },
        ]}
      />
      <Flex justify="space-between" align="center" wrap gap={8}>
        <Typography.Title level={2} id="artifact-title" style={{ marginTop: 8 }}>
          {repositoryName}@{shortDigest(a.digest)}
        </Typography.Title>
        {can('repository', 'pull') && (
          <Button icon={<CopyOutlined />} onClick={() => setCopying(true)}>
            {t('copyArtifact.copy')}
          </Button>
        )}
      </Flex>
      <Tabs items={items} />
      <AddTagDialog digest={tagging ? a.digest : undefined} addTag={addTag} onClose={() => setTagging(false)} />
      {copying && <CopyArtifactDialog source={{ projectName, repositoryName, digest: a.digest }} onClose={() => setCopying(false)} />}
    </section>
  );
}
