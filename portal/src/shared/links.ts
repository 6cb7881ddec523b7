/** The repository's name inside its project ("library/nginx" → "nginx"). */
export function relativeRepoName(projectName: string, repositoryName: string): string {
  return repositoryName.startsWith(`${projectName}/`) ? repositoryName.slice(projectName.length + 1) : repositoryName;
}

/** Portal URLs keep a repository's slashes as path separators, each segment encoded. */
export function repositoryUrl(projectId: number, relativeName: string): string {
  return `/projects/${projectId}/repositories/${relativeName.split('/').map(encodeURIComponent).join('/')}`;
}

export function artifactUrl(projectId: number, relativeName: string, digest: string): string {
  return `${repositoryUrl(projectId, relativeName)}/artifacts/${digest}`;
}
