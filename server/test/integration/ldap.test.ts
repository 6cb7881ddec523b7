import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, connect, type Server, type Socket } from 'node:net';
import { Client } from 'ldapts';
import { LdapClient, MAX_NESTING_DEPTH } from '../../src/auth/ldap/ldap.provider.ts';
import { LdapAmbiguousUserError, LdapBadCredentialsError, LdapDirectoryError, LdapUnreachableError } from '../../src/auth/ldap/ldap-errors.ts';
import { ldapSettingsSchema, type LdapSettingsInput } from '../../src/auth/ldap/ldap-settings.ts';
import { normalizeDn } from '../../src/auth/ldap/ldap-filter.ts';
import { freePort } from '../../src/net/free-port.ts';
import { AMBIGUOUS_UID, BASE_DN, DEEP_CHAIN, DEEP_USER, groupDn, ldapSettingsFor, PEOPLE, startSlapd, type Slapd } from '../fixtures/slapd.ts';

let withMemberOf: Slapd;
let plain: Slapd;

before(async () => {
  [withMemberOf, plain] = await Promise.all([startSlapd(), startSlapd({ memberOf: false })]);
});
after(async () => {
  await Promise.all([withMemberOf?.stop(), plain?.stop()]);
});

/** Settings as an operator would enter them for this directory (uid logins, a read-only search account). */
function ldap(server: Slapd, overrides: Partial<LdapSettingsInput> = {}): LdapClient {
  return new LdapClient(ldapSettingsSchema.parse({ ...ldapSettingsFor(server), ...overrides }));
}

const sorted = (dns: string[]) => dns.map(normalizeDn).sort();
const expectedGroups = (names: readonly string[]) => sorted(names.map(groupDn));

describe('logging in with LDAP', () => {
  it('accepts the right password and returns the e-mail and real name from the directory', async () => {
    const alice = await ldap(withMemberOf).authenticate('alice', PEOPLE.alice.password);
    assert.equal(alice.dn, PEOPLE.alice.dn);
    assert.equal(alice.username, 'alice');
    assert.equal(alice.email, 'alice@berth.test');
    assert.equal(alice.realname, 'Alice Liddell');
    // No displayName: the real name comes from cn.
    assert.equal((await ldap(withMemberOf).authenticate('bob', PEOPLE.bob.password)).realname, 'Bob Builder');
  });

  it('takes the login name in any case and answers with the directory’s spelling', async () => {
    assert.equal((await ldap(withMemberOf).authenticate('ALICE', PEOPLE.alice.password)).username, 'alice');
  });

  it('logs in users with non-ASCII names and with commas in their DN', async () => {
    const jose = await ldap(withMemberOf).authenticate('josé', PEOPLE.jose.password);
    assert.equal(jose.realname, 'José Núñez');
    const jane = await ldap(withMemberOf).authenticate('jane', PEOPLE.jane.password);
    assert.equal(normalizeDn(jane.dn), normalizeDn(PEOPLE.jane.dn));
  });

  it('refuses a wrong password as bad credentials (401)', async () => {
    const refused = await ldap(withMemberOf).authenticate('alice', 'Bob-Pass-1').catch((err: unknown) => err);
    assert.ok(refused instanceof LdapBadCredentialsError);
    assert.equal(refused.status, 401);
  });

  it('refuses an empty password, although this server would take it as an anonymous bind', async () => {
    const raw = new Client({ url: withMemberOf.url });
    await raw.bind(PEOPLE.alice.dn, ''); // what a naive "bind succeeded, so logged in" would accept
    await raw.unbind();
    await assert.rejects(ldap(withMemberOf).authenticate('alice', ''), LdapBadCredentialsError);
  });

  it('refuses an unknown user exactly as it refuses a wrong password', async () => {
    const unknown = await ldap(withMemberOf).authenticate('mallory', 'Alice-Pass-1').catch((err: unknown) => err);
    const wrong = await ldap(withMemberOf).authenticate('alice', 'nope').catch((err: unknown) => err);
    assert.ok(unknown instanceof LdapBadCredentialsError && wrong instanceof LdapBadCredentialsError);
    assert.equal(unknown.message, wrong.message);
  });

  it('does not let filter syntax in the username match other users or skip the password', async () => {
    const attempts = ['*', 'a*', '*)(uid=*))(|(uid=*', 'admin)(|(objectClass=*)', 'alice)(|(uid=*', 'alice)(&', '*)(objectClass=*', 'alice\\2a', 'alice\0'];
    for (const attempt of attempts) {
      // Bad credentials, not "ambiguous": the value matched no entry at all, so no wildcard got through.
      await assert.rejects(ldap(withMemberOf).authenticate(attempt, PEOPLE.alice.password), LdapBadCredentialsError, attempt);
      assert.deepEqual(await ldap(withMemberOf).searchUsers(attempt), [], attempt);
    }
  });

  it('refuses a login name that matches two entries rather than guessing', async () => {
    const refused = await ldap(withMemberOf).authenticate(AMBIGUOUS_UID, 'Sam-Pass-1').catch((err: unknown) => err);
    assert.ok(refused instanceof LdapAmbiguousUserError);
    assert.equal(refused.status, 401);
  });

  it('lets ldap_filter decide who may log in, with or without outer parentheses', async () => {
    await assert.rejects(ldap(withMemberOf, { ldap_filter: '(mail=*@elsewhere.test)' }).authenticate('alice', PEOPLE.alice.password), LdapBadCredentialsError);
    assert.equal((await ldap(withMemberOf, { ldap_filter: 'mail=alice@*' }).authenticate('alice', PEOPLE.alice.password)).username, 'alice');
  });

  it('searches only one level when ldap_scope is 1', async () => {
    await assert.rejects(ldap(withMemberOf, { ldap_scope: 1 }).authenticate('alice', PEOPLE.alice.password), LdapBadCredentialsError);
    assert.ok(await ldap(withMemberOf, { ldap_scope: 1, ldap_base_dn: `ou=people,${BASE_DN}` }).authenticate('alice', PEOPLE.alice.password));
  });

  it('answers 503, not 401, when the search account itself is refused', async () => {
    const refused = await ldap(withMemberOf, { ldap_search_password: 'wrong' }).authenticate('alice', PEOPLE.alice.password).catch((err: unknown) => err);
    assert.ok(refused instanceof LdapDirectoryError);
    assert.equal(refused.status, 503);
  });
});

describe('testing the LDAP settings (ping)', () => {
  it('succeeds with the right search credentials', async () => {
    const result = await ldap(withMemberOf).ping();
    assert.equal(result.ok, true, result.message);
    assert.match(result.message, /bound as cn=reader/);
  });

  it('fails with a clear message for a wrong password or an unknown search DN', async () => {
    for (const overrides of [{ ldap_search_password: 'wrong' }, { ldap_search_dn: `cn=nobody,${BASE_DN}` }]) {
      const result = await ldap(withMemberOf, overrides).ping();
      assert.equal(result.ok, false);
      assert.match(result.message, /refused the bind as ldap_search_dn cn=\w+,(ou=services,)?dc=berth,dc=test: invalid credentials \(LDAP result 49\)/);
    }
  });

  it('refuses a search DN with an empty password instead of binding anonymously', async () => {
    const result = await ldap(withMemberOf, { ldap_search_password: '' }).ping();
    assert.equal(result.ok, false);
    assert.match(result.message, /ldap_search_password is empty/);
  });
});

for (const [label, server] of [
  ['with the memberof overlay', () => withMemberOf],
  ['on plain OpenLDAP without memberOf', () => plain],
] as const) {
  describe(`group membership ${label}`, () => {
    for (const name of ['alice', 'bob', 'carol', 'dave', 'jose', 'jane'] as const) {
      const person = PEOPLE[name];
      it(`finds ${name}'s direct and nested groups: ${person.groups.join(', ') || 'none'}`, { timeout: 5_000 }, async () => {
        const user = await ldap(server()).authenticate('uid' in person ? person.uid : name, person.password);
        assert.deepEqual(sorted(user.groupDNs), expectedGroups(person.groups));
        assert.equal(new Set(sorted(user.groupDNs)).size, user.groupDNs.length, 'no group twice');
      });
    }

    it(`follows nesting ${MAX_NESTING_DEPTH} levels above the direct groups and no further`, async () => {
      assert.ok(DEEP_CHAIN > MAX_NESTING_DEPTH + 1);
      const erin = await ldap(server()).authenticate(DEEP_USER.uid, DEEP_USER.password);
      assert.deepEqual(sorted(erin.groupDNs), expectedGroups(Array.from({ length: MAX_NESTING_DEPTH + 1 }, (_, i) => `deep-${i + 1}`)));
    });

    it('recognises administrators through the admin group, directly or nested, whatever the DN’s case', async () => {
      const client = ldap(server(), { ldap_group_admin_dn: 'CN=Admins, OU=Groups, DC=berth, DC=test' });
      const groupsOf = async (name: 'alice' | 'bob' | 'carol') => (await client.authenticate(name, PEOPLE[name].password)).groupDNs;
      assert.equal(client.isAdmin(await groupsOf('bob')), true);
      assert.equal(client.isAdmin(await groupsOf('carol')), true, 'carol is in ops, which is in admins');
      assert.equal(client.isAdmin(await groupsOf('alice')), false);
      assert.equal(ldap(server(), { ldap_group_admin_dn: '' }).isAdmin(await groupsOf('bob')), false);
    });
  });
}

describe('group membership without ldap_group_base_dn', () => {
  it('follows memberOf, nesting included, where the directory keeps it', async () => {
    const alice = await ldap(withMemberOf, { ldap_group_base_dn: '' }).authenticate('alice', PEOPLE.alice.password);
    // posix-users lists alice by memberUid only, which needs a group search.
    assert.deepEqual(sorted(alice.groupDNs), expectedGroups(['developers', 'engineering', 'staff', 'loop-a', 'loop-b']));
  });

  it('finds none where it does not', async () => {
    assert.deepEqual((await ldap(plain, { ldap_group_base_dn: '' }).authenticate('alice', PEOPLE.alice.password)).groupDNs, []);
  });
});

describe('searching the directory (user and group import)', () => {
  it('finds a user by login name, and lists every user for an empty query', async () => {
    assert.deepEqual(await ldap(withMemberOf).searchUsers('alice'), [{ dn: PEOPLE.alice.dn, username: 'alice', email: 'alice@berth.test', realname: 'Alice Liddell' }]);
    const everyone = await ldap(withMemberOf).searchUsers('');
    assert.deepEqual(everyone.map((user) => user.username).sort(), ['alice', 'bob', 'carol', 'dave', 'erin', 'jane', 'josé', 'sam', 'sam']);
    assert.deepEqual(await ldap(withMemberOf).searchUsers('nobody'), []);
  });

  it('finds a group by name or by DN, and only groups that exist', async () => {
    const developers = { dn: groupDn('developers'), name: 'developers' };
    assert.deepEqual(await ldap(withMemberOf).searchGroups('developers'), [developers]);
    assert.deepEqual(await ldap(withMemberOf).searchGroups(groupDn('developers')), [developers]);
    assert.deepEqual(await ldap(withMemberOf).searchGroups('CN=Developers, OU=Groups, DC=berth, DC=test'), [developers]);
    assert.deepEqual(await ldap(withMemberOf).searchGroups(groupDn('nope')), []);
    assert.deepEqual(await ldap(withMemberOf).searchGroups('nope'), []);
    assert.deepEqual(await ldap(withMemberOf).searchGroups('*'), []);
  });

  it('lists every group matching the group filter for an empty query', async () => {
    const names = (await ldap(withMemberOf).searchGroups('')).map((group) => group.name).filter((name) => !name.startsWith('deep-'));
    assert.deepEqual(names.sort(), ['admins', 'developers', 'engineering', 'loop-a', 'loop-b', 'ops', 'posix-users', 'staff']);
    const onlyPosix = await ldap(withMemberOf, { ldap_group_search_filter: 'objectClass=posixGroup' }).searchGroups('');
    assert.deepEqual(onlyPosix, [{ dn: groupDn('posix-users'), name: 'posix-users' }]);
  });

  it('does not return a user entry when asked for a group by the user’s DN', async () => {
    assert.deepEqual(await ldap(withMemberOf).searchGroups(PEOPLE.alice.dn), []);
  });
});

describe('TLS', () => {
  it('logs in over ldaps:// when ldap_verify_cert is off', async () => {
    assert.ok(await ldap(withMemberOf, { ldap_url: withMemberOf.ldapsUrl, ldap_verify_cert: false }).authenticate('alice', PEOPLE.alice.password));
  });

  it('logs in over StartTLS when ldap_start_tls is on', async () => {
    assert.ok(await ldap(withMemberOf, { ldap_start_tls: true, ldap_verify_cert: false }).authenticate('alice', PEOPLE.alice.password));
  });

  it('refuses an untrusted certificate when ldap_verify_cert is on, over ldaps:// and StartTLS alike', async () => {
    for (const overrides of [{ ldap_url: withMemberOf.ldapsUrl }, { ldap_start_tls: true }]) {
      const refused = await ldap(withMemberOf, overrides).authenticate('alice', PEOPLE.alice.password).catch((err: unknown) => err);
      assert.ok(refused instanceof LdapUnreachableError, String(refused));
      assert.match(refused.message, /certificate/i);
      assert.equal((await ldap(withMemberOf, overrides).ping()).ok, false);
    }
  });
});

describe('an unreachable directory', () => {
  let silent: Server;
  let silentPort: number;
  const held: Socket[] = [];

  before(async () => {
    // Accepts connections and never answers: a hung server or a firewall that swallows packets.
    silent = createServer((socket) => held.push(socket));
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    silentPort = (silent.address() as { port: number }).port;
  });
  after(async () => {
    for (const socket of held) socket.destroy();
    await new Promise((resolve) => silent.close(resolve));
  });

  it('answers "unreachable" (503) at once when nothing listens', async () => {
    const url = `ldap://127.0.0.1:${await freePort()}`;
    const refused = await ldap(withMemberOf, { ldap_url: url }).authenticate('alice', PEOPLE.alice.password).catch((err: unknown) => err);
    assert.ok(refused instanceof LdapUnreachableError, String(refused));
    assert.equal(refused.status, 503);
    assert.match(refused.message, /ECONNREFUSED/);
    assert.equal((await ldap(withMemberOf, { ldap_url: url }).ping()).ok, false);
  });

  for (const scheme of ['ldap', 'ldaps'] as const) {
    it(`answers "unreachable" within ldap_timeout when a ${scheme}:// server never replies`, { timeout: 5_000 }, async () => {
      const started = Date.now();
      const client = ldap(withMemberOf, { ldap_url: `${scheme}://127.0.0.1:${silentPort}`, ldap_timeout: 1 });
      await assert.rejects(client.authenticate('alice', PEOPLE.alice.password), LdapUnreachableError);
      const elapsed = Date.now() - started;
      assert.ok(elapsed >= 900 && elapsed < 2_500, `took ${elapsed} ms`);
    });
  }
});

describe('connections', () => {
  it('are closed after every call, failed ones included', async () => {
    // A TCP relay in front of slapd that counts the connections still open.
    const upstream = new URL(withMemberOf.url);
    let open = 0;
    const relay = createServer((socket) => {
      open++;
      const server = connect(Number(upstream.port), upstream.hostname);
      socket.pipe(server).pipe(socket);
      const closed = () => {
        socket.destroy();
        server.destroy();
      };
      socket.once('close', closed);
      server.once('close', closed);
      socket.once('close', () => open--);
      socket.on('error', () => undefined);
      server.on('error', () => undefined);
    });
    await new Promise<void>((resolve) => relay.listen(0, '127.0.0.1', resolve));
    try {
      const client = ldap(withMemberOf, { ldap_url: `ldap://127.0.0.1:${(relay.address() as { port: number }).port}` });
      await client.authenticate('alice', PEOPLE.alice.password);
      await assert.rejects(client.authenticate('alice', 'wrong'), LdapBadCredentialsError);
      await assert.rejects(client.authenticate(AMBIGUOUS_UID, 'x'), LdapAmbiguousUserError);
      await client.searchUsers('');
      await client.searchGroups('');
      await client.ping();
      await ldap(withMemberOf, { ldap_url: `ldap://127.0.0.1:${(relay.address() as { port: number }).port}`, ldap_search_password: 'wrong' }).ping();
      const deadline = Date.now() + 2_000;
      while (open > 0 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 20));
      assert.equal(open, 0);
    } finally {
      await new Promise((resolve) => relay.close(resolve));
    }
  });
});
