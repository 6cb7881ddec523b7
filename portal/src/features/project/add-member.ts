import { App } from 'antd';
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { useTranslation } from 'react-i18next';
import { api } from '../../api/client.ts';

/** A new member as Harbor's POST /projects/{id}/members takes it, and the name to announce it by. */
export interface MemberToAdd {
  name: string;
  body: { role_id: number; member_user?: { username: string }; member_group?: { id?: number; ldap_group_dn?: string; group_type?: number } };
}

/** Adds a user or a group to the project, says so by name, and refreshes the members list. */
export function useAddMember(projectId: number, onAdded: () => void) {
  const { t } = useTranslation();
  const { message } = App.useApp();
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: ({ body }: MemberToAdd) => api.post(`/api/v2.0/projects/${projectId}/members`, body),
    onSuccess: async (_data, { name }) => {
      void message.success(t('members.added', { name }));
      await queryClient.invalidateQueries({ queryKey: ['members', projectId] });
      onAdded();
    },
  });
}
