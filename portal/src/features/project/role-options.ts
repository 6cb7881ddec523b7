import { useTranslation } from 'react-i18next';
import { ROLES } from '../../api/types.ts';

/** Harbor's project roles as choices, in the reader's language. */
export function useRoleOptions() {
  const { t } = useTranslation();
  return ROLES.map((role) => ({ value: role.id, label: t(`roles.${role.key}`) }));
}
