import { lazy, Suspense, useEffect, useState } from 'react';
import { ConfigProvider, Spin } from 'antd';
import type { Locale } from 'antd/es/locale';
import { QueryClient, QueryClientProvider } from '@tanstack/react-query';
import { BrowserRouter, Navigate, Route, Routes } from 'react-router';
import { ApiError, setUnauthorizedHandler } from '../api/client.ts';
import { markSignedOut } from '../shared/queries.ts';
import { loadAntdLocale } from './antd-locale.ts';
import { PreferencesProvider, usePreferences } from './preferences.tsx';
import { themeConfig } from './theme.ts';
import { useReducedMotion } from './reduced-motion.ts';

// Every screen is its own chunk: the first visit loads only the sign-in form.
const SignInPage = lazy(() => import('../features/sign-in/SignInPage.tsx'));
const SignUpPage = lazy(() => import('../features/sign-up/SignUpPage.tsx'));
const SearchPage = lazy(() => import('../features/search/SearchPage.tsx'));
const AppShell = lazy(() => import('../features/shell/AppShell.tsx'));
const ProjectsPage = lazy(() => import('../features/projects/ProjectsPage.tsx'));
const ProjectPage = lazy(() => import('../features/project/ProjectPage.tsx'));
const SummaryTab = lazy(() => import('../features/project/SummaryTab.tsx'));
const RepositoriesTab = lazy(() => import('../features/project/RepositoriesTab.tsx'));
const MembersTab = lazy(() => import('../features/project/MembersTab.tsx'));
const RobotsTab = lazy(() => import('../features/project/RobotsTab.tsx'));
const ProjectLabelsTab = lazy(() => import('../features/project/LabelsTab.tsx'));
const ProjectLogsTab = lazy(() => import('../features/project/LogsTab.tsx'));
const ProjectConfigurationTab = lazy(() => import('../features/project/ConfigurationTab.tsx'));
const ProjectRetentionTab = lazy(() => import('../features/project/RetentionTab.tsx'));
const ProjectImmutabilityTab = lazy(() => import('../features/project/ImmutabilityTab.tsx'));
const AdminPage = lazy(() => import('../features/admin/AdminPage.tsx'));
const UsersTab = lazy(() => import('../features/admin/UsersTab.tsx'));
const GroupsTab = lazy(() => import('../features/admin/GroupsTab.tsx'));
const SystemRobotsTab = lazy(() => import('../features/admin/RobotsTab.tsx'));
const GlobalLabelsTab = lazy(() => import('../features/admin/LabelsTab.tsx'));
const QuotasTab = lazy(() => import('../features/admin/QuotasTab.tsx'));
const AuditLogTab = lazy(() => import('../features/admin/AuditLogTab.tsx'));
const JobServiceTab = lazy(() => import('../features/admin/JobServiceTab.tsx'));
const CleanUpTab = lazy(() => import('../features/admin/CleanUpTab.tsx'));
const ConfigurationTab = lazy(() => import('../features/admin/ConfigurationTab.tsx'));
const RepositoryRoute = lazy(() => import('../features/repository/RepositoryRoute.tsx'));
const ApiExplorerPage = lazy(() => import('../features/api-explorer/ApiExplorerPage.tsx'));
const NotFoundPage = lazy(() => import('../features/shell/NotFoundPage.tsx'));

const queryClient = new QueryClient({
  defaultOptions: {
    queries: {
      // A refused or missing resource will not appear by asking again.
      retry: (failures, error) => !(error instanceof ApiError && error.status >= 400 && error.status < 500) && failures < 2,
      refetchOnWindowFocus: false,
      staleTime: 5_000,
    },
  },
});

function Loading() {
  return <Spin size="large" style={{ display: 'block', margin: '20vh auto' }} />;
}

/**
 * Session expiry anywhere: the current user becomes nobody, and the shell
 * (the one place that decides) sends the reader to sign-in and back here.
 */
setUnauthorizedHandler(() => markSignedOut(queryClient));

function Routed() {
  return (
    <Suspense fallback={<Loading />}>
      <Routes>
        <Route path="/sign-in" element={<SignInPage />} />
        <Route path="/sign-up" element={<SignUpPage />} />
        <Route element={<AppShell />}>
          <Route index element={<Navigate to="/projects" replace />} />
          <Route path="projects" element={<ProjectsPage />} />
          <Route path="search" element={<SearchPage />} />
          <Route path="projects/:projectId">
            <Route element={<ProjectPage />}>
              <Route index element={<Navigate to="summary" replace />} />
              <Route path="summary" element={<SummaryTab />} />
              <Route path="repositories" element={<RepositoriesTab />} />
              <Route path="members" element={<MembersTab />} />
              <Route path="labels" element={<ProjectLabelsTab />} />
              <Route path="tag-retention" element={<ProjectRetentionTab />} />
              <Route path="immutability" element={<ProjectImmutabilityTab />} />
              <Route path="logs" element={<ProjectLogsTab />} />
              <Route path="robot-accounts" element={<RobotsTab />} />
              <Route path="configuration" element={<ProjectConfigurationTab />} />
            </Route>
            <Route path="repositories/*" element={<RepositoryRoute />} />
          </Route>
          <Route path="admin" element={<AdminPage />}>
            <Route index element={<Navigate to="users" replace />} />
            <Route path="users" element={<UsersTab />} />
            <Route path="groups" element={<GroupsTab />} />
            <Route path="robot-accounts" element={<SystemRobotsTab />} />
            <Route path="labels" element={<GlobalLabelsTab />} />
            <Route path="quotas" element={<QuotasTab />} />
            <Route path="audit-log" element={<AuditLogTab />} />
            <Route path="job-service" element={<JobServiceTab />} />
            <Route path="clean-up" element={<CleanUpTab />} />
            <Route path="configuration" element={<ConfigurationTab />} />
          </Route>
          <Route path="devcenter-api-2.0" element={<ApiExplorerPage />} />
          <Route path="*" element={<NotFoundPage />} />
        </Route>
      </Routes>
    </Suspense>
  );
}

function Themed() {
  const { language, theme } = usePreferences();
  const reducedMotion = useReducedMotion();
  const [locale, setLocale] = useState<Locale | undefined>(undefined);
  useEffect(() => {
    let current = true;
    void loadAntdLocale(language).then((loaded) => current && setLocale(loaded));
    return () => {
      current = false;
    };
  }, [language]);
  useEffect(() => {
    document.documentElement.style.colorScheme = theme;
    document.body.style.background = theme === 'dark' ? '#141414' : '#f5f5f5';
  }, [theme]);
  return (
    <ConfigProvider theme={themeConfig(theme, reducedMotion)} {...(locale && { locale })}>
      <BrowserRouter>
        <Routed />
      </BrowserRouter>
    </ConfigProvider>
  );
}

export function App() {
  return (
    <QueryClientProvider client={queryClient}>
      <PreferencesProvider>
        <Themed />
      </PreferencesProvider>
    </QueryClientProvider>
  );
}
