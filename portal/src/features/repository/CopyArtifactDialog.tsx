import { useState } from 'react';
import { App, Form, Input, Select } from 'antd';
import { keepPreviousData, useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useTranslation } from 'react-i18next';
import { api, getPage } from '../../api/client.ts';
import type { Project } from '../../api/types.ts';
import { shortDigest } from '../../shared/format.ts';
import { REPOSITORY_NAME, TAG } from './names.ts';
import { artifactsPath } from './repository-api.ts';
import { FormDialog } from '../../shared/FormDialog.tsx';

export interface CopySource {
  projectName: string;
  repositoryName: string;
  digest: string;
}

interface CopyForm {
  project: string;
  repository: string;
  tag?: string;
}

/** The projects whose names contain what was typed, as the target's choices (the server decides who may push there). */
function useProjectChoices(search: string) {
  return useQuery({
    queryKey: ['projects', 'choices', search],
    queryFn: () => getPage<Project>('/api/v2.0/projects', { name: search, page_size: 20 }),
    placeholderData: keepPreviousData,
  });
}

/**
 * Harbor's "Copy": the artifact (with its platform images and accessories) into a repository of any project,
 * by digest (POST …/artifacts?from=<project>/<repository>@<digest>), then tagged there if a tag was given.
 * Mounted only while open, so every copy starts from a fresh form.
 */
export function CopyArtifactDialog({ source, onClose }: { source: CopySource; onClose(): void }) {
  const { t } = useTranslation();
  const { message } = App.useApp();
  const queryClient = useQueryClient();
  const [form] = Form.useForm<CopyForm>();
  const [search, setSearch] = useState('');
  const projects = useProjectChoices(search);
  const copy = useMutation({
    mutationFn: async ({ project, repository, tag }: CopyForm) => {
      const target = artifactsPath(project, repository);
      const from = `${source.projectName}/${source.repositoryName}@${source.digest}`;
      await api.post(`${target}?from=${encodeURIComponent(from)}`);
      if (tag) await api.post(`${target}/${source.digest}/tags`, { name: tag });
    },
    onSuccess: async (_data, { project, repository }) => {
      void message.success(t('copyArtifact.copied', { target: `${project}/${repository}` }));
      await Promise.all(['artifacts', 'repositories', 'projects', 'project', 'project-summary'].map((key) => queryClient.invalidateQueries({ queryKey: [key] })));
      onClose();
    },
  });
  return (
    <FormDialog title={t('copyArtifact.title', { digest: shortDigest(source.digest) })} onClose={onClose} okText={t('copyArtifact.copy')} form={form} submission={copy}>
      <Form<CopyForm> form={form} layout="vertical" initialValues={{ repository: source.repositoryName }} onFinish={(values) => copy.mutate({ ...values, tag: values.tag?.trim() || undefined })}>
        <Form.Item label={t('copyArtifact.project')} name="project" rules={[{ required: true, message: t('common.required') }]}>
          <Select
            showSearch={{ filterOption: false, onSearch: setSearch }}
            placeholder={t('copyArtifact.searchProjects')}
            loading={projects.isFetching}
            options={(projects.data?.items ?? []).map((project) => ({ value: project.name, label: project.name }))}
          />
        </Form.Item>
        <Form.Item
          label={t('copyArtifact.repository')}
          name="repository"
          extra={t('copyArtifact.repositoryRule')}
          rules={[
            { required: true, message: t('common.required') },
            { pattern: REPOSITORY_NAME, message: t('copyArtifact.repositoryRule') },
          ]}
        >
          <Input />
        </Form.Item>
        <Form.Item label={t('copyArtifact.tag')} name="tag" extra={t('tags.nameRule')} rules={[{ pattern: TAG, message: t('tags.nameRule') }]}>
          <Input />
        </Form.Item>
      </Form>
    </FormDialog>
  );
}
