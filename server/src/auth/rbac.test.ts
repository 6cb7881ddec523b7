import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { allows, publicProjectGrants, roleById, roleGrants, ROLE_IDS, ROLE_NAMES, unionGrants, type RoleName } from './rbac.ts';

describe("Harbor's project roles", () => {
  it('use Harbor’s role ids', () => {
    assert.deepEqual(ROLE_IDS, { projectAdmin: 1, developer: 2, guest: 3, maintainer: 4, limitedGuest: 5 });
    assert.equal(roleById(4), 'maintainer');
    assert.equal(roleById(9), undefined);
  });

  it('let every role pull, developers and above push, and maintainers and above delete', () => {
    const expect: Record<RoleName, [pull: boolean, push: boolean, del: boolean]> = {
      projectAdmin: [true, true, true],
      maintainer: [true, true, true],
      developer: [true, true, false],
      guest: [true, false, false],
      limitedGuest: [true, false, false],
    };
    for (const role of ROLE_NAMES) {
      const grants = roleGrants(role);
      assert.deepEqual(
        [allows(grants, 'repository', 'pull'), allows(grants, 'repository', 'push'), allows(grants, 'repository', 'delete')],
        expect[role],
        role,
      );
    }
  });

  it('keep member lists from limited guests and member changes to project admins', () => {
    assert.equal(allows(roleGrants('limitedGuest'), 'member', 'list'), false);
    assert.equal(allows(roleGrants('guest'), 'member', 'list'), true);
    assert.equal(allows(roleGrants('maintainer'), 'member', 'create'), false);
    assert.equal(allows(roleGrants('projectAdmin'), 'member', 'create'), true);
  });

  it('match Harbor’s table on the rows that differ most between roles', () => {
    assert.equal(allows(roleGrants('projectAdmin'), 'log', 'list'), true);
    assert.equal(allows(roleGrants('maintainer'), 'log', 'list'), false);
    assert.equal(allows(roleGrants('maintainer'), 'immutable-tag', 'create'), true);
    assert.equal(allows(roleGrants('developer'), 'immutable-tag', 'create'), false);
    assert.equal(allows(roleGrants('developer'), 'artifact-label', 'create'), true);
    assert.equal(allows(roleGrants('guest'), 'artifact-label', 'create'), false);
    assert.equal(allows(roleGrants('maintainer'), 'preheat-policy', 'read'), false);
    assert.equal(allows(roleGrants('developer'), 'tag', 'delete'), false);
    assert.equal(allows(roleGrants('maintainer'), 'tag', 'delete'), true);
  });

  it('give everyone, anonymous included, only read and pull on public projects', () => {
    const grants = publicProjectGrants();
    assert.equal(allows(grants, 'repository', 'pull'), true);
    assert.equal(allows(grants, 'repository', 'push'), false);
    assert.equal(allows(grants, 'member', 'list'), false);
    assert.equal(allows(grants, 'artifact', 'read'), true);
    assert.equal(allows(grants, 'artifact', 'delete'), false);
  });

  it('combine grants from several sources without widening any one of them', () => {
    const combined = unionGrants(roleGrants('guest'), publicProjectGrants());
    assert.equal(allows(combined, 'member', 'list'), true);
    assert.equal(allows(combined, 'repository', 'push'), false);
  });
});
