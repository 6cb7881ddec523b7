import { Suspense, useMemo } from 'react';
import { App as AntApp, ConfigProvider, Input, Layout, Menu, Spin, theme } from 'antd';
import { useTranslation } from 'react-i18next';
import { Link, Navigate, Outlet, useLocation, useNavigate } from 'react-router';
import { currentLocation, signInPath } from '../../api/client.ts';
import { ErrorAlert } from '../../shared/ErrorAlert.tsx';
import { useCurrentUser } from '../../shared/queries.ts';
import { UserMenu } from './UserMenu.tsx';
import logo from '../../assets/berth.svg';

/** The width `text` takes in `font`, as the browser draws it. */
function textWidth(text: string, font: string): number {
  const context = document.createElement('canvas').getContext('2d');
  if (!context) return text.length * 8;
  context.font = font;
  return context.measureText(text).width;
}

/** The signed-in frame: header with navigation and the user menu; screens render below. */
export default function AppShell() {
  const { t } = useTranslation();
  const location = useLocation();
  const navigate = useNavigate();
  const user = useCurrentUser();
  const { token } = theme.useToken();
  const placeholder = t('search.placeholder');
  // As wide as the placeholder is in this language (plus the field's padding and its button), so none is cut
  // short; never more than 45 % of a narrow window.
  const searchWidth = useMemo(() => Math.max(200, Math.ceil(textWidth(placeholder, `${token.fontSize}px ${token.fontFamily}`)) + 64), [placeholder, token.fontSize, token.fontFamily]);
  const loading = <Spin size="large" style={{ display: 'block', margin: '20vh auto' }} />;
  if (user.isPending) return loading;
  if (user.data === null) {
    // Nobody signed in: to sign-in and back to the page in the address bar (a screen still loading may show the
    // one before it), unless a way to sign-in is already under way (signing out).
    return window.location.pathname.startsWith('/sign-in') ? loading : <Navigate to={signInPath(currentLocation())} replace />;
  }
  if (user.isError) {
    return (
      <main style={{ padding: 24 }}>
        <ErrorAlert error={user.error} />
      </main>
    );
  }
  const selected = ['projects', 'admin'].filter((key) => location.pathname.startsWith(`/${key}`));
  const items = [
    { key: 'projects', label: <Link to="/projects">{t('shell.projects')}</Link> },
    // Only system administrators see Administration; the server refuses its requests to everyone else anyway.
    ...(user.data.sysadmin_flag ? [{ key: 'admin', label: <Link to="/admin/users">{t('shell.administration')}</Link> }] : []),
  ];
  // antd's App (messages, confirmations) lives here, not in the entry: the sign-in screen needs none of it.
  return (
    <AntApp>
    <Layout style={{ minHeight: '100vh' }}>
      <Layout.Header style={{ display: 'flex', alignItems: 'center', gap: 12, paddingInline: 24 }}>
        <Link to="/projects" style={{ display: 'flex', alignItems: 'center', gap: 8, color: '#fff', fontSize: 18, fontWeight: 600 }}>
          <img src={logo} alt="" width={28} height={28} />
          Berth
        </Link>
        <nav aria-label={t('shell.navigation')} style={{ flex: 1, minWidth: 0 }}>
          {/* Narrower items than antd's: beside a search field as wide as its placeholder, both fit at 800 px. */}
          <ConfigProvider theme={{ components: { Menu: { itemPaddingInline: 12 } } }}>
            <Menu theme="dark" mode="horizontal" selectedKeys={selected} items={items} />
          </ConfigProvider>
        </nav>
        <div role="search" style={{ display: 'flex' }}>
          <Input.Search
            aria-label={t('search.label')}
            placeholder={placeholder}
            onSearch={(value) => {
              if (value.trim()) void navigate(`/search?q=${encodeURIComponent(value.trim())}`);
            }}
            style={{ width: `min(${searchWidth}px, 45vw)` }}
          />
        </div>
        <UserMenu user={user.data} />
      </Layout.Header>
      <Layout.Content style={{ padding: 24 }}>
        <main>
          <Suspense fallback={<Spin size="large" style={{ display: 'block', margin: '10vh auto' }} />}>
            <Outlet />
          </Suspense>
        </main>
      </Layout.Content>
    </Layout>
    </AntApp>
  );
}
