import { Form, Input, Modal } from 'antd';
import type { UseMutationResult } from '@tanstack/react-query';
import { useTranslation } from 'react-i18next';
import { ErrorAlert } from '../../shared/ErrorAlert.tsx';
import { TAG } from './names.ts';

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
    <Modal title={t('tags.addTitle')} open={digest !== undefined} onCancel={close} onOk={() => form.submit()} okText={t('common.add')} cancelText={t('common.cancel')} confirmLoading={addTag.isPending} destroyOnHidden>
      {addTag.isError && <ErrorAlert error={addTag.error} />}
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
    </Modal>
  );
}
