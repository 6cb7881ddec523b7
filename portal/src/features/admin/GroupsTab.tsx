import { useState } from 'react';
import { App, Button, Empty, Flex, Form, Input, Radio, Table, Tag, Typography } from 'antd';
import { PlusOutlined } from '@ant-design/icons';
import { keepPreviousData, useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useTranslation } from 'react-i18next';
import { api, getPage } from '../../api/client.ts';
import { LDAP_GROUP as LDAP, OIDC_GROUP as OIDC, type UserGroup } from '../../api/types.ts';
import { ErrorAlert } from '../../shared/ErrorAlert.tsx';
import { usePaging } from '../../shared/paging.ts';
import { DeleteButton } from '../../shared/DeleteButton.tsx';
import { ListSearch } from '../../shared/ListSearch.tsx';
import { FormDialog } from '../../shared/FormDialog.tsx';

interface NewGroup {
  group_type: number;
  group_name?: string;
  ldap_group_dn?: string;
}

function CreateGroupDialog({ open, onClose }: { open: boolean; onClose(): void }) {
  const { t } = useTranslation();
  const { message } = App.useApp();
  const queryClient = useQueryClient();
  const [form] = Form.useForm<NewGroup>();
  const type = Form.useWatch('group_type', form) ?? OIDC;
  const create = useMutation({
    mutationFn: (group: NewGroup) => api.post('/api/v2.0/usergroups', group),
    onSuccess: async (_data, group) => {
      void message.success(t('groups.created', { name: group.group_name || group.ldap_group_dn }));
      await queryClient.invalidateQueries({ queryKey: ['usergroups'] });
      form.resetFields();
      onClose();
    },
  });
  return (
    <FormDialog title={t('groups.newTitle')} open={open} onClose={onClose} okText={t('common.create')} form={form} submission={create}>
      <Form<NewGroup> form={form} layout="vertical" initialValues={{ group_type: OIDC }} onFinish={(values) => create.mutate(values)}>
        <Form.Item label={t('groups.type')} name="group_type">
          <Radio.Group
            options={[
              { value: OIDC, label: t('groups.oidc') },
              { value: LDAP, label: t('groups.ldap') },
            ]}
          />
        </Form.Item>
        {type === LDAP ? (
          <>
            <Form.Item label={t('groups.dn')} name="ldap_group_dn" extra={t('groups.dnHelp')} rules={[{ required: true, whitespace: true, message: t('common.required') }]}>
              <Input />
            </Form.Item>
            <Form.Item label={t('groups.name')} name="group_name" extra={t('groups.nameFromDirectory')}>
              <Input />
            </Form.Item>
          </>
        ) : (
          <Form.Item label={t('groups.name')} name="group_name" extra={t('groups.oidcNameHelp')} rules={[{ required: true, whitespace: true, message: t('common.required') }]}>
            <Input />
          </Form.Item>
        )}
      </Form>
    </FormDialog>
  );
}

/** User groups that can be made project members: list, create, delete. */
export default function GroupsTab() {
  const { t } = useTranslation();
  const { message } = App.useApp();
  const queryClient = useQueryClient();
  const paging = usePaging();
  const [search, setSearch] = useState('');
  const [creating, setCreating] = useState(false);
  const groups = useQuery({
    queryKey: ['usergroups', search, paging.query],
    queryFn: () => getPage<UserGroup>('/api/v2.0/usergroups', { ...paging.query, group_name: search }),
    placeholderData: keepPreviousData,
  });
  const remove = useMutation({
    mutationFn: (group: UserGroup) => api.delete(`/api/v2.0/usergroups/${group.id}`),
    onSuccess: async (_data, group) => {
      void message.success(t('groups.deleted', { name: group.group_name }));
      await queryClient.invalidateQueries({ queryKey: ['usergroups'] });
    },
  });
  return (
    <>
      <Flex justify="space-between" wrap gap={8} style={{ marginBottom: 16 }}>
        <Button type="primary" icon={<PlusOutlined />} onClick={() => setCreating(true)}>
          {t('groups.new')}
        </Button>
        <ListSearch label={t('groups.search')} paging={paging} onSearch={setSearch} />
      </Flex>
      {groups.isError && <ErrorAlert error={groups.error} />}
      {remove.isError && <ErrorAlert error={remove.error} />}
      <Table<UserGroup>
        rowKey="id"
        loading={groups.isFetching}
        dataSource={groups.data?.items}
        pagination={paging.pagination(groups.data?.total ?? 0)}
        scroll={{ x: 'max-content' }}
        locale={{ emptyText: <Empty description={search ? t('groups.noMatch') : t('groups.empty')} /> }}
        columns={[
          { title: t('groups.name'), dataIndex: 'group_name' },
          { title: t('groups.type'), dataIndex: 'group_type', render: (type: number) => <Tag>{type === LDAP ? t('groups.ldap') : type === OIDC ? t('groups.oidc') : type}</Tag> },
          { title: t('groups.dn'), dataIndex: 'ldap_group_dn', render: (dn?: string) => (dn ? <Typography.Text code>{dn}</Typography.Text> : '—') },
          {
            title: t('common.actions'),
            key: 'actions',
            render: (_, group) => (
              <DeleteButton title={t('groups.deleteTitle')} content={t('groups.deleteConfirm', { name: group.group_name })} onDelete={() => remove.mutateAsync(group)} />
            ),
          },
        ]}
      />
      <CreateGroupDialog open={creating} onClose={() => setCreating(false)} />
    </>
  );
}
