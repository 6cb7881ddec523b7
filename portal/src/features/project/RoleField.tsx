import { Form, Select } from 'antd';
import { useTranslation } from 'react-i18next';
import { useRoleOptions } from './role-options.ts';

/** The role field of a form adding a member (`role_id`, one of Harbor's five project roles). */
export function RoleField() {
  const { t } = useTranslation();
  return (
    <Form.Item label={t('members.role')} name="role_id">
      <Select options={useRoleOptions()} />
    </Form.Item>
  );
}
