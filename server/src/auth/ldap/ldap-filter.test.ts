import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { AndFilter, BerWriter, EqualityFilter, SubstringFilter } from 'ldapts';
import { escapeDnValue, escapeFilterValue, normalizeDn, parseDn, parseFilter } from './ldap-filter.ts';

/** The filter as it goes on the wire, for comparing two ways of writing it. */
function wire(filter: ReturnType<typeof parseFilter>): Buffer {
  const writer = new BerWriter();
  filter.write(writer);
  return writer.buffer;
}

describe('escapeFilterValue', () => {
  it('escapes the characters RFC 4515 reserves', () => {
    assert.equal(escapeFilterValue('a*b(c)d\\e\0f'), 'a\\2ab\\28c\\29d\\5ce\\00f');
  });

  it('escapes every byte of non-ASCII characters', () => {
    assert.equal(escapeFilterValue('josé'), 'jos\\c3\\a9');
    assert.equal(escapeFilterValue('日'), '\\e6\\97\\a5');
  });

  it('leaves ordinary names alone', () => {
    assert.equal(escapeFilterValue('alice.smith-2@example.com'), 'alice.smith-2@example.com');
  });

  for (const attempt of ['*)(uid=*))(|(uid=*', 'admin)(|(objectClass=*)', '*', 'alice)(&', 'x\\29(uid=*']) {
    it(`keeps the injection attempt ${JSON.stringify(attempt)} a single literal value`, () => {
      const filter = parseFilter(`(&(objectClass=person)(uid=${escapeFilterValue(attempt)}))`);
      assert.ok(filter instanceof AndFilter);
      assert.equal(filter.filters.length, 2);
      const uid = filter.filters[1];
      assert.ok(uid instanceof EqualityFilter, 'no wildcard: an equality match, not a substring or presence match');
      assert.equal(uid.attribute, 'uid');
      assert.equal(uid.value, attempt);
    });
  }
});

describe('parseFilter', () => {
  it('sends escaped and literal non-ASCII values as the same UTF-8 bytes', () => {
    const escaped = parseFilter(`(cn=${escapeFilterValue('José Núñez')})`);
    assert.equal((escaped as EqualityFilter).value, 'José Núñez');
    assert.deepEqual(wire(escaped), wire(parseFilter('(cn=José Núñez)')));
    assert.deepEqual(wire(escaped), wire(new EqualityFilter({ attribute: 'cn', value: 'José Núñez' })));
  });

  it('decodes substring and extensible values too', () => {
    const filter = parseFilter('(&(cn=Jos\\c3\\a9*)(member:1.2.840.113556.1.4.1941:=cn=Ren\\c3\\a9,dc=x))') as AndFilter;
    assert.equal((filter.filters[0] as SubstringFilter).initial, 'José');
    assert.deepEqual(wire(filter.filters[1]!), wire(parseFilter('(member:1.2.840.113556.1.4.1941:=cn=René,dc=x)')));
  });

  it('keeps binary equality values, such as an objectGUID, as bytes', () => {
    const filter = parseFilter('(objectGUID=\\90\\91\\00\\ff)') as EqualityFilter;
    assert.deepEqual(filter.value, Buffer.from([0x90, 0x91, 0x00, 0xff]));
  });

  it('refuses malformed filters', () => {
    assert.throws(() => parseFilter('(uid=a'));
    assert.throws(() => parseFilter('(uid=a\\zz)'));
  });
});

describe('escapeDnValue', () => {
  it('escapes the characters RFC 4514 reserves', () => {
    assert.equal(escapeDnValue('Doe, Jane'), 'Doe\\, Jane');
    assert.equal(escapeDnValue('a+b;c<d>e"f\\g'), 'a\\+b\\;c\\<d\\>e\\"f\\\\g');
    assert.equal(escapeDnValue('\0'), '\\00');
  });

  it('escapes a leading # or space and a trailing space only', () => {
    assert.equal(escapeDnValue('#1 x '), '\\#1 x\\ ');
    assert.equal(escapeDnValue(' a#b'), '\\ a#b');
  });

  it('round-trips through parseDn', () => {
    for (const value of ['Doe, Jane', ' lead', 'trail ', '#hash', 'a+b=c', 'back\\slash', 'José']) {
      assert.deepEqual(parseDn(`cn=${escapeDnValue(value)},dc=test`)[0], [{ type: 'cn', value, ber: false }]);
    }
  });
});

describe('normalizeDn', () => {
  it('treats case, spaces after commas and escaping style alike', () => {
    const canonical = normalizeDn('cn=admins,ou=groups,dc=berth,dc=test');
    assert.equal(canonical, 'cn=admins,ou=groups,dc=berth,dc=test');
    for (const variant of ['CN=Admins, OU=Groups, DC=berth, DC=test', 'cn = admins ;ou=groups,dc=berth,dc=test', 'cn=\\61dmins,ou=groups,dc=berth,dc=test', 'cn="admins",ou=groups,dc=berth,dc=test']) {
      assert.equal(normalizeDn(variant), canonical, variant);
    }
  });

  it('keeps escaped commas, hex-escaped UTF-8 and significant spaces', () => {
    assert.equal(normalizeDn('CN=Doe\\2C Jane,DC=test'), 'cn=doe\\, jane,dc=test');
    assert.equal(normalizeDn('cn=Jos\\C3\\A9,dc=test'), 'cn=josé,dc=test');
    assert.equal(normalizeDn('cn=a\\ ,dc=test'), 'cn=a\\ ,dc=test');
    assert.notEqual(normalizeDn('cn=a\\ ,dc=test'), normalizeDn('cn=a ,dc=test'));
  });

  it('orders the parts of a multi-valued RDN', () => {
    assert.equal(normalizeDn('uid=j+cn=J,dc=test'), normalizeDn('CN=j+UID=j,dc=test'));
  });

  it('does not confuse an escaped # with a BER value', () => {
    assert.notEqual(normalizeDn('cn=\\#41,dc=test'), normalizeDn('cn=#41,dc=test'));
  });

  it('refuses what is not a DN', () => {
    for (const bad of ['admins', 'cn=a,', '=a', 'cn=a\\', 'cn="a', 'c n=a']) assert.throws(() => normalizeDn(bad), bad);
  });
});
