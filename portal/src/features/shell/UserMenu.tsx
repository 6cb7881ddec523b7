import { useState } from 'react';
import { Button, Dropdown, type MenuProps } from 'antd';
import { UserOutlined } from '@ant-design/icons';
import { useQueryClient } from '@tanstack/react-query';
import { useTranslation } from 'react-i18next';
import { Link, useNavigate } from 'react-router';
import { signOut } from '../../api/client.ts';
import type { CurrentUser } from '../../api/types.ts';
import { usePreferences } from '../../app/preferences.tsx';
import { markSignedOut } from '../../shared/queries.ts';
import { LANGUAGES, type LanguageCode } from '../../i18n/languages.ts';
import { AboutDialog } from './AboutDialog.tsx';
import { PasswordDialog } from './PasswordDialog.tsx';
import { ProfileDialog } from './ProfileDialog.tsx';

type Dialog = 'profile' | 'password' | 'about' | undefined;

export function UserMenu({ user }: { user: CurrentUser }) {
  const { t } = useTranslation();
  const { language, setLanguage, theme, setTheme } = usePreferences();
  const navigate = useNavigate();
  const queryClient = useQueryClient();
  const [dialog, setDialog] = useState<Dialog>();

  const items: MenuProps['items'] = [
    { key: 'profile', label: t('shell.profile') },
    // Users of the directory or of an identity provider change their password there.
    ...(user.oidc_user_meta ? [] : [{ key: 'password', label: t('shell.changePassword') }]),
    {
      key: 'language',
      label: t('shell.language'),
      children: LANGUAGES.map((l) => ({ key: `language:${l.code}`, label: <span lang={l.code}>{l.name}</span> })),
    },
    { key: 'theme', label: theme === 'dark' ? t('shell.lightTheme') : t('shell.darkTheme') },
    // Harbor's "API Explorer", at Harbor's path; here rather than in the header's navigation, which must keep
    // Projects and Administration in view at 800 px beside the search field.
    { key: 'api-explorer', label: <Link to="/devcenter-api-2.0">{t('shell.apiExplorer')}</Link> },
    { key: 'about', label: t('shell.about') },
    { type: 'divider' },
    { key: 'sign-out', label: t('shell.signOut') },
  ];

  const onClick: MenuProps['onClick'] = async ({ key }) => {
    if (key.startsWith('language:')) return void setLanguage(key.slice('language:'.length) as LanguageCode);
    if (key === 'theme') return setTheme(theme === 'dark' ? 'light' : 'dark');
    // The item's link navigates.
    if (key === 'api-explorer') return;
    if (key === 'sign-out') {
      await signOut();
      // The way to sign-in first: the shell then knows not to ask to come back here.
      void navigate('/sign-in', { replace: true });
      return markSignedOut(queryClient);
    }
    setDialog(key as Dialog);
  };

  return (
    <>
      <Dropdown menu={{ items, onClick: (info) => void onClick(info), selectedKeys: [`language:${language}`] }} trigger={['click']}>
        <Button type="text" icon={<UserOutlined />} style={{ color: '#fff' }} aria-label={t('shell.userMenu', { name: user.username })}>
          {user.username}
        </Button>
      </Dropdown>
      <ProfileDialog user={user} open={dialog === 'profile'} onClose={() => setDialog(undefined)} />
      <PasswordDialog user={user} open={dialog === 'password'} onClose={() => setDialog(undefined)} />
      <AboutDialog open={dialog === 'about'} onClose={() => setDialog(undefined)} />
    </>
  );
}
