import { useState } from 'react';
import { App, Button, Empty, Flex, Space, Table, Tag } from 'antd';
import { CrownOutlined, PlusOutlined } from '@ant-design/icons';
import { keepPreviousData, useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useTranslation } from 'react-i18next';
import { api, getPage } from '../../api/client.ts';
import type { User } from '../../api/types.ts';
import { DateText } from '../../shared/DateText.tsx';
import { ErrorAlert } from '../../shared/ErrorAlert.tsx';
import { harborQ } from '../../shared/harbor-q.ts';
import { usePaging } from '../../shared/paging.ts';
import { useCurrentUser } from '../../shared/queries.ts';
import { CreateUserDialog } from './CreateUserDialog.tsx';
import { ResetPasswordDialog } from './ResetPasswordDialog.tsx';
import { DeleteButton } from '../../shared/DeleteButton.tsx';
import { ListSearch } from '../../shared/ListSearch.tsx';

export default function UsersTab() {
  const { t } = useTranslation();
  const { message } = App.useApp();
  const queryClient = useQueryClient();
  const me = useCurrentUser();
  const paging = usePaging();
  const [search, setSearch] = useState('');
  const [creating, setCreating] = useState(false);
  const [resetting, setResetting] = useState<User>();
  const users = useQuery({
    queryKey: ['users', search, paging.query],
    queryFn: () => getPage<User>('/api/v2.0/users', { ...paging.query, sort: 'username', q: harborQ([{ field: 'username', value: search, fuzzy: true }]) }),
    placeholderData: keepPreviousData,
  });
  const refresh = () => queryClient.invalidateQueries({ queryKey: ['users'] });
  const setAdmin = useMutation({
    mutationFn: ({ user, admin }: { user: User; admin: boolean }) => api.put(`/api/v2.0/users/${user.user_id}/sysadmin`, { sysadmin_flag: admin }),
    onSuccess: async (_data, { user, admin }) => {
      void message.success(admin ? t('users.madeAdmin', { name: user.username }) : t('users.revokedAdmin', { name: user.username }));
      await refresh();
    },
  });
  const remove = useMutation({
    mutationFn: (user: User) => api.delete(`/api/v2.0/users/${user.user_id}`),
    onSuccess: async (_data, user) => {
      void message.success(t('users.deleted', { name: user.username }));
      await refresh();
    },
  });
  const failure = setAdmin.error ?? remove.error;
  const isMe = (user: User) => user.user_id === me.data?.user_id;

  return (
    <>
      <Flex justify="space-between" wrap gap={8} style={{ marginBottom: 16 }}>
        <Button type="primary" icon={<PlusOutlined />} onClick={() => setCreating(true)}>
          {t('users.new')}
        </Button>
        <ListSearch label={t('users.search')} paging={paging} onSearch={setSearch} />
      </Flex>
      {users.isError && <ErrorAlert error={users.error} />}
      {failure && <ErrorAlert error={failure} />}
      <Table<User>
        rowKey="user_id"
        loading={users.isFetching}
        dataSource={users.data?.items}
        pagination={paging.pagination(users.data?.total ?? 0)}
        scroll={{ x: 'max-content' }}
        locale={{ emptyText: <Empty description={search ? t('users.noMatch') : t('users.empty')} /> }}
        columns={[
          { title: t('users.username'), dataIndex: 'username' },
          {
            title: t('users.role'),
            dataIndex: 'sysadmin_flag',
            render: (admin: boolean) => (admin ? <Tag icon={<CrownOutlined />}>{t('users.admin')}</Tag> : <Tag>{t('users.regular')}</Tag>),
          },
          { title: t('users.email'), dataIndex: 'email', render: (email: string) => email || '—' },
          { title: t('users.realname'), dataIndex: 'realname', render: (name: string) => name || '—' },
          { title: t('users.registered'), dataIndex: 'creation_time', render: (value: string) => <DateText value={value} /> },
          {
            title: t('common.actions'),
            key: 'actions',
            // Administrators do not demote or delete themselves from here: the server refuses, and a slip would lock them out.
            render: (_, user) =>
              isMe(user) ? null : (
                <Space wrap>
                  <Button size="small" onClick={() => setAdmin.mutate({ user, admin: !user.sysadmin_flag })}>
                    {user.sysadmin_flag ? t('users.revokeAdmin') : t('users.makeAdmin')}
                  </Button>
                  <Button size="small" onClick={() => setResetting(user)}>
                    {t('users.resetPassword')}
                  </Button>
                  <DeleteButton title={t('users.deleteTitle')} content={t('users.deleteConfirm', { name: user.username })} onDelete={() => remove.mutateAsync(user)} />
                </Space>
              ),
          },
        ]}
      />
      <CreateUserDialog open={creating} onClose={() => setCreating(false)} />
      <ResetPasswordDialog user={resetting} onClose={() => setResetting(undefined)} />
    </>
  );
}
