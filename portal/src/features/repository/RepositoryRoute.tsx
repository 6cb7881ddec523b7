import { lazy } from 'react';
import { useParams } from 'react-router';

const RepositoryPage = lazy(() => import('./RepositoryPage.tsx'));
const ArtifactPage = lazy(() => import('../artifact/ArtifactPage.tsx'));

// Repository names contain slashes but never a colon, so a trailing artifacts/<algorithm>:<hex> is unambiguous.
const ARTIFACT_SUFFIX = /^(.+)\/artifacts\/([a-z0-9]+(?:[+._-][a-z0-9]+)*:[a-zA-Z0-9=_-]+)$/;

/** /projects/:id/repositories/<name…> is a repository, …/<name…>/artifacts/<digest> one of its artifacts. */
export default function RepositoryRoute() {
  const splat = useParams()['*'] ?? '';
  const artifact = ARTIFACT_SUFFIX.exec(splat);
  if (artifact) return <ArtifactPage repositoryName={artifact[1]!} digest={artifact[2]!} />;
  return <RepositoryPage repositoryName={splat.replace(/\/+$/, '')} />;
}
