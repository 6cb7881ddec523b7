import { useIcon } from './repository-api.ts';

/** The server's icon for an artifact type, drawn from its bytes (never fetched from elsewhere). */
export function ArtifactIcon({ digest, label }: { digest: string | undefined; label: string }) {
  const icon = useIcon(digest);
  const type = icon.data?.['content-type'];
  if (!icon.data || !type?.startsWith('image/')) return <span style={{ display: 'inline-block', width: 20 }} />;
  return <img src={`data:${type};base64,${icon.data.content}`} alt={label} title={label} width={20} height={20} style={{ verticalAlign: 'middle' }} />;
}
