import {
  AndFilter,
  ApproximateFilter,
  EqualityFilter,
  ExtensibleFilter,
  FilterParser,
  GreaterThanEqualsFilter,
  LessThanEqualsFilter,
  NotFilter,
  OrFilter,
  SubstringFilter,
  type Filter,
} from 'ldapts';

/** Bytes RFC 4515 requires escaped in a filter value, plus every non-ASCII byte. */
function mustEscapeInFilter(byte: number): boolean {
  return byte === 0x2a || byte === 0x28 || byte === 0x29 || byte === 0x5c || byte === 0x00 || byte >= 0x80;
}

/**
 * Escapes text for use as an assertion value inside an LDAP filter (RFC 4515):
 * `*`, `(`, `)`, `\`, NUL and every byte of a non-ASCII character become \XX,
 * so user input can only ever be a literal value, never a wildcard or a new
 * filter component.
 */
export function escapeFilterValue(value: string): string {
  let escaped = '';
  for (const byte of Buffer.from(value, 'utf8')) {
    escaped += mustEscapeInFilter(byte) ? `\\${byte.toString(16).padStart(2, '0')}` : String.fromCharCode(byte);
  }
  return escaped;
}

/**
 * Parses a filter string into ldapts's filter objects. ldapts turns each \XX
 * escape into one UTF-16 code unit and then writes values as UTF-8, which
 * corrupts escaped multi-byte characters (`jos\c3\a9` would go out as 6 bytes
 * of mojibake). Here every literal non-ASCII character is first escaped too, so
 * all parsed values are byte strings, and each is re-decoded as UTF-8 (binary
 * equality values such as an objectGUID stay bytes).
 */
export function parseFilter(text: string): Filter {
  const asciiOnly = text.replace(/[^\x00-\x7f]+/g, (run) => escapeFilterValue(run));
  const filter = FilterParser.parseString(asciiOnly);
  decodeValues(filter);
  return filter;
}

function decodeValues(filter: Filter): void {
  if (filter instanceof AndFilter || filter instanceof OrFilter) {
    for (const child of filter.filters) decodeValues(child);
  } else if (filter instanceof NotFilter) {
    decodeValues(filter.filter);
  } else if (filter instanceof SubstringFilter) {
    filter.initial = utf8(filter.initial);
    filter.any = filter.any.map(utf8);
    filter.final = utf8(filter.final);
  } else if (filter instanceof EqualityFilter) {
    const bytes = Buffer.from(filter.value as string, 'latin1');
    const text = bytes.toString('utf8');
    filter.value = Buffer.from(text, 'utf8').equals(bytes) ? text : bytes;
  } else if (
    // ldapts writes these values as text only.
    filter instanceof ApproximateFilter ||
    filter instanceof GreaterThanEqualsFilter ||
    filter instanceof LessThanEqualsFilter ||
    filter instanceof ExtensibleFilter
  ) {
    filter.value = utf8(filter.value);
  }
}

function utf8(byteString: string): string {
  const bytes = Buffer.from(byteString, 'latin1');
  const text = bytes.toString('utf8');
  if (!Buffer.from(text, 'utf8').equals(bytes)) throw new Error(`filter value is not UTF-8 text: ${escapeFilterValue(text)}`);
  return text;
}

/**
 * Escapes text for use as an attribute value inside a DN (RFC 4514 section
 * 2.4): `"`, `+`, `,`, `;`, `<`, `>`, `\` anywhere, `#` or a space at the
 * start, a space at the end, and NUL.
 */
export function escapeDnValue(value: string): string {
  let escaped = '';
  for (let i = 0; i < value.length; i++) {
    const char = value[i]!;
    if (char === '\0') escaped += '\\00';
    else if ('"+,;<>\\'.includes(char)) escaped += `\\${char}`;
    else if ((i === 0 && (char === ' ' || char === '#')) || (i === value.length - 1 && char === ' ')) escaped += `\\${char}`;
    else escaped += char;
  }
  return escaped;
}

export interface AttributeValueAssertion {
  type: string;
  /** The value with escapes undone; for a `#hex` (BER) value, the hex digits as written. */
  value: string;
  ber: boolean;
}

const ATTRIBUTE_TYPE = /^(?:[A-Za-z][A-Za-z0-9-]*|\d+(?:\.\d+)*)$/;
const HEX_PAIR = /^[0-9A-Fa-f]{2}$/;

/**
 * Splits a DN into RDNs, each a list of type/value pairs with escapes undone
 * (RFC 4514). It also accepts what older configurations contain: spaces
 * around separators and `=`, `;` as separator and quoted values (RFC 1779).
 * Throws on malformed input.
 */
export function parseDn(dn: string): AttributeValueAssertion[][] {
  const fail = (why: string): never => {
    throw new Error(`invalid DN "${dn}": ${why}`);
  };
  const rdns: AttributeValueAssertion[][] = [];
  if (dn.trim() === '') return rdns;
  let rdn: AttributeValueAssertion[] = [];
  let i = 0;
  const skipSpaces = () => {
    while (dn[i] === ' ') i++;
  };
  for (;;) {
    const equals = dn.indexOf('=', i);
    if (equals < 0) fail('missing "="');
    const type = dn.slice(i, equals).trim();
    if (!ATTRIBUTE_TYPE.test(type)) fail(`bad attribute type "${type}"`);
    i = equals + 1;
    skipSpaces();
    if (dn[i] === '#') {
      const hex = (/^#((?:[0-9A-Fa-f]{2})+)/.exec(dn.slice(i)) ?? fail('bad #hex value'))[1]!;
      rdn.push({ type, value: hex.toLowerCase(), ber: true });
      i += hex.length + 1;
      skipSpaces();
    } else if (dn[i] === '"') {
      const bytes: number[] = [];
      i++;
      while (i < dn.length && dn[i] !== '"') i = readChar(dn, i, bytes, fail).next;
      if (dn[i] !== '"') fail('unterminated quoted value');
      i++;
      skipSpaces();
      rdn.push({ type, value: Buffer.from(bytes).toString('utf8'), ber: false });
    } else {
      const bytes: number[] = [];
      // Unescaped trailing spaces are insignificant; escaped ones are kept.
      let significant = 0;
      while (i < dn.length && !',;+'.includes(dn[i]!)) {
        const read = readChar(dn, i, bytes, fail);
        if (read.escaped || dn[i] !== ' ') significant = bytes.length;
        i = read.next;
      }
      rdn.push({ type, value: Buffer.from(bytes.slice(0, significant)).toString('utf8'), ber: false });
    }
    if (i >= dn.length) break;
    const separator = dn[i];
    if (separator !== ',' && separator !== ';' && separator !== '+') fail(`unexpected "${separator}"`);
    if (separator !== '+') {
      rdns.push(rdn);
      rdn = [];
    }
    i++;
  }
  rdns.push(rdn);
  return rdns;
}

/** Appends one (possibly escaped) character of a DN value as UTF-8 bytes. */
function readChar(dn: string, i: number, bytes: number[], fail: (why: string) => never): { next: number; escaped: boolean } {
  if (dn[i] !== '\\') {
    const char = String.fromCodePoint(dn.codePointAt(i)!);
    bytes.push(...Buffer.from(char, 'utf8'));
    return { next: i + char.length, escaped: false };
  }
  const pair = dn.slice(i + 1, i + 3);
  if (HEX_PAIR.test(pair)) {
    bytes.push(Number.parseInt(pair, 16));
    return { next: i + 3, escaped: true };
  }
  if (i + 1 >= dn.length) fail('dangling "\\"');
  const char = String.fromCodePoint(dn.codePointAt(i + 1)!);
  bytes.push(...Buffer.from(char, 'utf8'));
  return { next: i + 1 + char.length, escaped: true };
}

/**
 * A canonical form for comparing DNs: types and values lower-cased (the
 * naming attributes in use, cn, ou, dc, uid, are case-insensitive), runs of
 * spaces folded, multi-valued RDNs sorted, one escaping style. So
 * `CN=Admins, OU=Groups,DC=Corp` and `cn=admins,ou=groups,dc=corp` normalise
 * alike. Throws on malformed input.
 */
export function normalizeDn(dn: string): string {
  const ava = ({ type, value, ber }: AttributeValueAssertion) =>
    `${type.toLowerCase()}=${ber ? `#${value}` : escapeDnValue(value.toLowerCase().replace(/ {2,}/g, ' '))}`;
  return parseDn(dn)
    .map((rdn) => rdn.map(ava).sort().join('+'))
    .join(',');
}
