import { useState } from 'react';
import { Form, Input, Radio, Select } from 'antd';
import { useQuery } from '@tanstack/react-query';
import { useTranslation } from 'react-i18next';
import { api } from '../../api/client.ts';
import { LDAP_GROUP, type UserGroup } from '../../api/types.ts';
import { useSystemInfo } from '../../shared/queries.ts';
import { RoleField } from './RoleField.tsx';
import { useAddMember } from './add-member.ts';
import { FormDialog } from '../../shared/FormDialog.tsx';

interface NewGroupMember {
  source: 'known' | 'ldap';
  group_id?: number;
  ldap_group_dn?: string;
  role_id: number;
}

/**
 * A user group as a member of the project: one Berth knows (LDAP or OIDC),
 * found by name, or — while LDAP is the auth mode — an LDAP group by DN,
 * which the server imports from the directory if it is new, as Harbor does.
 */
export function AddGroupMemberDialog({ projectId, open, onClose }: { projectId: number; open: boolean; onClose(): void }) {
  const { t } = useTranslation();
  const [form] = Form.useForm<NewGroupMember>();
  const ldap = useSystemInfo().data?.auth_mode === 'ldap_auth';
  const source = Form.useWatch('source', form) ?? 'known';
  const [typed, setTyped] = useState('');
  const groups = useQuery({
    queryKey: ['group-search', typed],
    queryFn: () => api.get<Pick<UserGroup, 'id' | 'group_name' | 'group_type'>[]>('/api/v2.0/usergroups/search', { query: { groupname: typed, page_size: 10 } }),
    enabled: open && typed.length > 0,
  });
  const typeName = (type: number) => (type === LDAP_GROUP ? t('groups.ldap') : t('groups.oidc'));
  const add = useAddMember(projectId, () => {
    form.resetFields();
    onClose();
  });
  const submit = (values: NewGroupMember) =>
    add.mutate(
      values.source === 'ldap'
        ? { name: values.ldap_group_dn!.trim(), body: { role_id: values.role_id, member_group: { ldap_group_dn: values.ldap_group_dn!.trim(), group_type: LDAP_GROUP } } }
        : { name: groups.data?.find((group) => group.id === values.group_id)?.group_name ?? '', body: { role_id: values.role_id, member_group: { id: values.group_id! } } },
    );
  return (
    <FormDialog title={t('members.addGroupTitle')} open={open} onClose={onClose} okText={t('common.add')} form={form} submission={add}>
      <Form<NewGroupMember> form={form} layout="vertical" initialValues={{ source: 'known', role_id: 2 }} onFinish={submit}>
        {ldap && (
          <Form.Item label={t('members.groupSource')} name="source">
            <Radio.Group
              options={[
                { value: 'known', label: t('members.knownGroup') },
                { value: 'ldap', label: t('members.ldapGroup') },
              ]}
            />
          </Form.Item>
        )}
        {source === 'ldap' ? (
          <Form.Item label={t('groups.dn')} name="ldap_group_dn" extra={t('members.groupDnHelp')} rules={[{ required: true, whitespace: true, message: t('common.required') }]}>
            <Input autoFocus />
          </Form.Item>
        ) : (
          <Form.Item label={t('members.group')} name="group_id" extra={t('members.groupSearchHelp')} rules={[{ required: true, message: t('common.required') }]}>
            <Select
              showSearch={{ filterOption: false, onSearch: setTyped }}
              loading={groups.isFetching}
              notFoundContent={typed ? t('groups.noMatch') : null}
              options={(groups.data ?? []).map((group) => ({ value: group.id, label: `${group.group_name} (${typeName(group.group_type)})` }))}
            />
          </Form.Item>
        )}
        <RoleField />
      </Form>
    </FormDialog>
  );
}
