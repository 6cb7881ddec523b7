import { BerthError } from '../errors.ts';
import type { ImmutabilityStore } from '../immutability/immutability.store.ts';
import { immutableRuleFor, nameInProject, type ImmutableRule } from '../immutability/immutable-match.ts';
import type { Executor } from './content.store.ts';

/**
 * A change refused because it would move or delete an immutable tag. Harbor
 * answers these with 412 PRECONDITION on /v2 and /api/v2.0 alike, and so
 * does Berth. Callers making many changes (a retention run) catch it by
 * class, record the tag as IMMUTABLE and go on.
 */
export class ImmutableTagError extends BerthError {
  /** The repository's full name ("project/…"). */
  readonly repository: string;
  readonly tag: string;
  /** The id of the enabled rule that holds the tag. */
  readonly ruleId: string;

  /** `consequence` says what is refused, after the reason. */
  constructor(repository: string, tag: string, rule: ImmutableRule, consequence: string) {
    super('PRECONDITION', `tag ${tag} of ${repository} is immutable (immutable tag rule ${rule.id}): ${consequence}`);
    this.name = 'ImmutableTagError';
    this.repository = repository;
    this.tag = tag;
    this.ruleId = rule.id;
  }
}

/** Which tags of one repository the project's enabled rules hold: the rule holding `tag`, or undefined. */
export type ImmutableTagTest = (tag: string) => ImmutableRule | undefined;

/** A project's immutable tag rules, read in the caller's transaction (immutability.store.ts). */
export type ImmutableRuleSource = Pick<ImmutabilityStore, 'all'>;

/**
 * The immutable tag rules as content's writes see them, read in the
 * writing transaction. Cheap when unused: one indexed query of the
 * project's rules, and nothing more when it has none enabled.
 */
export class ImmutableTags {
  readonly #rules: ImmutableRuleSource;

  constructor(rules: ImmutableRuleSource) {
    this.#rules = rules;
  }

  /** The test for tags of `repositoryName` (its full name), or undefined when no enabled rule of the project could hold any. */
  async of(db: Executor, projectId: string | null, repositoryName: string): Promise<ImmutableTagTest | undefined> {
    return (await this.ofProject(db, projectId))?.(repositoryName);
  }

  /** The tests for the project's repositories (by full name), or undefined when the project has no enabled rule. */
  async ofProject(db: Executor, projectId: string | null): Promise<((repositoryName: string) => ImmutableTagTest) | undefined> {
    if (projectId === null) return undefined;
    const rules = (await this.#rules.all(db, projectId)).filter((rule) => !rule.disabled);
    if (rules.length === 0) return undefined;
    return (repositoryName) => {
      const inProject = nameInProject(repositoryName);
      return (tag) => immutableRuleFor(rules, inProject, tag);
    };
  }
}

/** Refuses the change if any of `tags` (all of `repository`) is immutable. */
export function refuseImmutable(test: ImmutableTagTest | undefined, repository: string, tags: readonly string[], consequence: string): void {
  if (!test) return;
  for (const tag of tags) {
    const rule = test(tag);
    if (rule) throw new ImmutableTagError(repository, tag, rule, consequence);
  }
}
