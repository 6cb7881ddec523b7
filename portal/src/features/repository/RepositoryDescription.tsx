import { useState } from 'react';
import { App, Button, Form, Input, Space, Typography } from 'antd';
import { EditOutlined } from '@ant-design/icons';
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { useTranslation } from 'react-i18next';
import { api } from '../../api/client.ts';
import { repositoryPath } from './repository-api.ts';
import { FormDialog } from '../../shared/FormDialog.tsx';

/** The server's limit (PUT /projects/{p}/repositories/{r}). */
const MAX_LENGTH = 30_000;

interface Props {
  projectName: string;
  repositoryName: string;
  description: string;
}

/** Mounted only while open, so it always starts from the description as it is now. */
function DescriptionDialog({ projectName, repositoryName, description, onClose }: Props & { onClose(): void }) {
  const { t } = useTranslation();
  const { message } = App.useApp();
  const queryClient = useQueryClient();
  const [form] = Form.useForm<{ description: string }>();
  const save = useMutation({
    mutationFn: (value: string) => api.put(repositoryPath(projectName, repositoryName), { description: value }),
    onSuccess: async () => {
      void message.success(t('repository.descriptionSaved'));
      await queryClient.invalidateQueries({ queryKey: ['repository'] });
      await queryClient.invalidateQueries({ queryKey: ['repositories'] });
      onClose();
    },
  });
  return (
    <FormDialog title={t('repository.descriptionTitle', { name: `${projectName}/${repositoryName}` })} onClose={onClose} okText={t('common.save')} form={form} submission={save}>
      <Form form={form} layout="vertical" initialValues={{ description }} onFinish={(values) => save.mutate(values.description ?? '')}>
        <Form.Item label={t('repositories.description')} name="description" rules={[{ max: MAX_LENGTH }]}>
          <Input.TextArea autoSize={{ minRows: 4, maxRows: 16 }} autoFocus />
        </Form.Item>
      </Form>
    </FormDialog>
  );
}

/**
 * A repository's description: the user's text, shown as preformatted text
 * (never as HTML), and edited in a dialog by those who may update the repository.
 */
export function RepositoryDescription({ canEdit, ...props }: Props & { canEdit: boolean }) {
  const { t } = useTranslation();
  const [editing, setEditing] = useState(false);
  if (!props.description && !canEdit) return null;
  return (
    <div style={{ marginBottom: 16 }}>
      <Space align="start">
        {props.description ? (
          <pre style={{ whiteSpace: 'pre-wrap', wordBreak: 'break-word', margin: 0, fontFamily: 'inherit' }}>{props.description}</pre>
        ) : (
          <Typography.Text type="secondary">{t('repository.noDescription')}</Typography.Text>
        )}
        {canEdit && (
          <Button size="small" icon={<EditOutlined />} onClick={() => setEditing(true)}>
            {t('repository.editDescription')}
          </Button>
        )}
      </Space>
      {editing && <DescriptionDialog {...props} onClose={() => setEditing(false)} />}
    </div>
  );
}
