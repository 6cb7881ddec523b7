/**
 * The commands that pull an artifact, by Harbor's artifact type: each kind of
 * artifact has the client that understands it. Images go to a container
 * engine, Helm charts to helm (which names OCI registries with oci:// and a
 * version by --version), anything else (CNAB bundles, WebAssembly modules,
 * unknown OCI artifacts) to oras, which pulls any OCI artifact.
 */

export type PullReference = { tag: string } | { digest: string };

export interface PullCommand {
  /** The client the command runs, for the button's name. */
  client: 'docker' | 'podman' | 'helm' | 'oras';
  command: string;
}

function suffix(reference: PullReference): string {
  return 'tag' in reference ? `:${reference.tag}` : `@${reference.digest}`;
}

/** `repository` is host/project/name, as clients address it. The first command is the one to offer first. */
export function pullCommands(type: string, repository: string, reference: PullReference): PullCommand[] {
  switch (type) {
    case 'IMAGE':
      return (['docker', 'podman'] as const).map((client) => ({ client, command: `${client} pull ${repository}${suffix(reference)}` }));
    case 'CHART':
      return [{ client: 'helm', command: 'tag' in reference ? `helm pull oci://${repository} --version ${reference.tag}` : `helm pull oci://${repository}@${reference.digest}` }];
    default:
      return [{ client: 'oras', command: `oras pull ${repository}${suffix(reference)}` }];
  }
}

/**
 * The reference an artifact's page offers: a chart by its first tag (its
 * version, as helm expects it), everything else by digest, which names
 * exactly this artifact.
 */
export function preferredReference(type: string, digest: string, tags: readonly { name: string }[]): PullReference {
  const first = tags[0]?.name;
  return type === 'CHART' && first ? { tag: first } : { digest };
}
