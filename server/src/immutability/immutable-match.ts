import { doublestarMatch } from './doublestar.ts';

/** One immutable tag rule as the matcher needs it (immutability.store.ts reads them in this shape). */
export interface ImmutableRule {
  id: string;
  disabled: boolean;
  repositoryDecoration: 'repoMatches' | 'repoExcludes';
  repositoryPattern: string;
  tagDecoration: 'matches' | 'excludes';
  tagPattern: string;
}

/** The repository's name inside its project ("team/app" for "library/team/app"): what Harbor's selectors see. */
export function nameInProject(repositoryName: string): string {
  const slash = repositoryName.indexOf('/');
  return slash === -1 ? repositoryName : repositoryName.slice(slash + 1);
}

/**
 * The first enabled rule (rules in id order, as Harbor lists them) that makes
 * `tag` of `repository` immutable, or undefined. `repository` is the name
 * inside the project ("team/app" for "library/team/app"), which is what
 * Harbor's selectors are matched against; patterns use doublestar.ts.
 *
 * As in Harbor, a rule takes hold when its repository selector selects the
 * repository and its tag selector the tag: `repoMatches`/`matches` when the
 * pattern matches, `repoExcludes`/`excludes` when it does not. Untagged
 * artifacts have no tag to ask about, and so are never immutable.
 */
export function immutableRuleFor<R extends ImmutableRule>(rules: readonly R[], repository: string, tag: string): R | undefined {
  for (const rule of rules) {
    if (rule.disabled) continue;
    const repositoryMatched = doublestarMatch(rule.repositoryPattern, repository);
    if (repositoryMatched !== (rule.repositoryDecoration === 'repoMatches')) continue;
    const tagMatched = doublestarMatch(rule.tagPattern, tag);
    if (tagMatched === (rule.tagDecoration === 'matches')) return rule;
  }
  return undefined;
}
