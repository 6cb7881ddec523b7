import { Form, Input } from 'antd';
import type { UseMutationResult } from '@tanstack/react-query';
import { useTranslation } from 'react-i18next';
import { TAG } from './names.ts';
import { FormDialog } from '../../shared/FormDialog.tsx';

type AddTag = UseMutationResult<void, Error, { digest: string; name: string }>;

export function AddTagDialog({ digest, addTag, onClose }: { digest: string | undefined; addTag: AddTag; onClose(): void }) {
  const { t } = useTranslation();
  const [form] = Form.useForm<{ name: string }>();
  const close = () => {
    addTag.reset();
    form.resetFields();
    onClose();
  };
  return (
    <FormDialog title={t('tags.addTitle')} open={digest !== undefined} onClose={close} okText={t('common.add')} form={form} submission={addTag}>
      <Form form={form} layout="vertical" onFinish={({ name }) => addTag.mutate({ digest: digest!, name }, { onSuccess: close })}>
        <Form.Item
          label={t('tags.name')}
          name="name"
          extra={t('tags.nameRule')}
          rules={[
            { required: true, message: t('common.required') },
            { pattern: TAG, message: t('tags.nameRule') },
          ]}
        >
          <Input autoFocus />
        </Form.Item>
      </Form>
    </FormDialog>
  );
}
