import { useState } from 'react';
import { AutoComplete, Form, Input } from 'antd';
import { useQuery } from '@tanstack/react-query';
import { useTranslation } from 'react-i18next';
import { api } from '../../api/client.ts';
import type { UserSearchResult } from '../../api/types.ts';
import { RoleField } from './RoleField.tsx';
import { useAddMember } from './add-member.ts';
import { FormDialog } from '../../shared/FormDialog.tsx';

interface NewMember {
  username: string;
  role_id: number;
}

/** A user as a member of the project, found by name as it is typed. */
export function AddUserMemberDialog({ projectId, open, onClose }: { projectId: number; open: boolean; onClose(): void }) {
  const { t } = useTranslation();
  const [form] = Form.useForm<NewMember>();
  const [typed, setTyped] = useState('');
  const users = useQuery({
    queryKey: ['user-search', typed],
    queryFn: () => api.get<UserSearchResult[]>('/api/v2.0/users/search', { query: { username: typed, page_size: 10 } }),
    enabled: typed.length > 0,
  });
  const add = useAddMember(projectId, () => {
    form.resetFields();
    onClose();
  });
  return (
    <FormDialog title={t('members.addTitle')} open={open} onClose={onClose} okText={t('common.add')} form={form} submission={add}>
      <Form<NewMember> form={form} layout="vertical" initialValues={{ role_id: 2 }} onFinish={({ username, role_id }) => add.mutate({ name: username, body: { role_id, member_user: { username } } })}>
        <Form.Item label={t('members.username')} name="username" rules={[{ required: true, message: t('common.required') }]}>
          <AutoComplete options={(users.data ?? []).map((user) => ({ value: user.username }))} onSearch={setTyped}>
            <Input autoFocus />
          </AutoComplete>
        </Form.Item>
        <RoleField />
      </Form>
    </FormDialog>
  );
}
