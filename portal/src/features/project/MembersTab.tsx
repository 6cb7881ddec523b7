import { useState } from 'react';
import { App, Button, Empty, Flex, Select, Space, Table, Tag } from 'antd';
import { PlusOutlined, TeamOutlined, UserOutlined } from '@ant-design/icons';
import { keepPreviousData, useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useTranslation } from 'react-i18next';
import { api, getPage } from '../../api/client.ts';
import type { Member } from '../../api/types.ts';
import { useConfirm } from '../../shared/confirm.ts';
import { ErrorAlert } from '../../shared/ErrorAlert.tsx';
import { usePaging } from '../../shared/paging.ts';
import { useProjectPermissions } from '../../shared/permissions.ts';
import { useCurrentUser } from '../../shared/queries.ts';
import { AddGroupMemberDialog } from './AddGroupMemberDialog.tsx';
import { AddUserMemberDialog } from './AddUserMemberDialog.tsx';
import { useProjectOfPage } from './project-context.ts';
import { useRoleOptions } from './role-options.ts';
import { ListSearch } from '../../shared/ListSearch.tsx';

export default function MembersTab() {
  const { t } = useTranslation();
  const project = useProjectOfPage();
  const projectId = project.project_id;
  const can = useProjectPermissions(projectId);
  const me = useCurrentUser();
  const { message } = App.useApp();
  const confirm = useConfirm();
  const queryClient = useQueryClient();
  const roles = useRoleOptions();
  const paging = usePaging();
  const [search, setSearch] = useState('');
  const [adding, setAdding] = useState<'user' | 'group'>();
  const members = useQuery({
    queryKey: ['members', projectId, search, paging.query],
    queryFn: () => getPage<Member>(`/api/v2.0/projects/${projectId}/members`, { ...paging.query, entityname: search }),
    placeholderData: keepPreviousData,
  });
  const refresh = () => queryClient.invalidateQueries({ queryKey: ['members', projectId] });
  const changeRole = useMutation({
    mutationFn: ({ member, roleId }: { member: Member; roleId: number }) => api.put(`/api/v2.0/projects/${projectId}/members/${member.id}`, { role_id: roleId }),
    onSuccess: async (_data, { member }) => {
      void message.success(t('members.roleChanged', { name: member.entity_name }));
      await refresh();
    },
  });
  const remove = useMutation({
    mutationFn: (member: Member) => api.delete(`/api/v2.0/projects/${projectId}/members/${member.id}`),
    onSuccess: async (_data, member) => {
      void message.success(t('members.removed', { name: member.entity_name }));
      await refresh();
    },
  });
  const isMe = (member: Member) => member.entity_type === 'u' && member.entity_name === me.data?.username;
  const failure = changeRole.error ?? remove.error;

  return (
    <>
      <Space style={{ marginBottom: 16, width: '100%', justifyContent: 'space-between' }} wrap>
        {can('member', 'create') ? (
          <Flex gap={8} wrap>
            <Button type="primary" icon={<PlusOutlined />} onClick={() => setAdding('user')}>
              {t('members.add')}
            </Button>
            <Button icon={<TeamOutlined />} onClick={() => setAdding('group')}>
              {t('members.addGroup')}
            </Button>
          </Flex>
        ) : (
          <span />
        )}
        <ListSearch label={t('members.search')} paging={paging} onSearch={setSearch} />
      </Space>
      {members.isError && <ErrorAlert error={members.error} />}
      {failure && <ErrorAlert error={failure} />}
      <Table<Member>
        rowKey="id"
        loading={members.isFetching}
        dataSource={members.data?.items}
        pagination={paging.pagination(members.data?.total ?? 0)}
        scroll={{ x: 'max-content' }}
        locale={{ emptyText: <Empty description={t('members.empty')} /> }}
        columns={[
          { title: t('members.name'), dataIndex: 'entity_name' },
          {
            title: t('members.type'),
            dataIndex: 'entity_type',
            render: (type: string) => (type === 'g' ? <Tag icon={<TeamOutlined />}>{t('members.group')}</Tag> : <Tag icon={<UserOutlined />}>{t('members.user')}</Tag>),
          },
          {
            title: t('members.role'),
            key: 'role',
            render: (_, member) =>
              can('member', 'update') && !isMe(member) ? (
                <Select
                  aria-label={t('members.roleOf', { name: member.entity_name })}
                  value={member.role_id}
                  options={roles}
                  style={{ minWidth: 180 }}
                  onChange={(roleId) => changeRole.mutate({ member, roleId })}
                />
              ) : (
                (roles.find((role) => role.value === member.role_id)?.label ?? member.role_name)
              ),
          },
          {
            title: t('common.actions'),
            key: 'actions',
            render: (_, member) =>
              can('member', 'delete') && !isMe(member) ? (
                <Button
                  danger
                  size="small"
                  onClick={() =>
                    confirm({
                      title: t('members.removeTitle'),
                      content: t('members.removeConfirm', { name: member.entity_name }),
                      okText: t('common.remove'),
                      onOk: () => remove.mutateAsync(member).catch(() => undefined),
                    })
                  }
                >
                  {t('common.remove')}
                </Button>
              ) : null,
          },
        ]}
      />
      <AddUserMemberDialog projectId={projectId} open={adding === 'user'} onClose={() => setAdding(undefined)} />
      <AddGroupMemberDialog projectId={projectId} open={adding === 'group'} onClose={() => setAdding(undefined)} />
    </>
  );
}
