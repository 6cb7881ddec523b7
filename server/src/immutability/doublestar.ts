import picomatch from 'picomatch/posix.js';

/**
 * Harbor's "doublestar" patterns (github.com/bmatcuk/doublestar v1, which
 * Harbor's immutability and retention selectors call), matched with
 * picomatch. The two libraries agree on `*` (within one path segment), `**`
 * (any number of segments), `?`, `{a,b}` and `[a-z]`/`[^a-z]`, but picomatch
 * knows more syntax than doublestar (`[!a]` negates, `(a|b)` groups, `+(a)`
 * is an extglob) and reads braces differently (`{a}` is literal, `{1..3}` a
 * range). A pattern is therefore read the way doublestar reads it — with the
 * same syntax errors: an unclosed `[` or `{`, an empty class, a dangling `\`
 * — and handed to picomatch with every character doublestar takes literally
 * escaped and its alternatives `{a,b}` written as picomatch's `@(a|b)`.
 */

export class BadPatternError extends Error {
  constructor(pattern: string, reason: string) {
    super(`invalid pattern ${JSON.stringify(pattern)}: ${reason}`);
    this.name = 'BadPatternError';
  }
}

/** Characters doublestar takes literally that picomatch would read as syntax. */
const LITERAL_IN_PICOMATCH = new Set(['(', ')', '|', '+', '@', '!', '$', '^', '.', '#', '%', '&', '"', "'", '<', '>', '=', '~', ';', ':', '`']);
const CLASS_ESCAPE = new Set(['\\', ']', '[', '^', '-', '!']);

/** The picomatch glob for a doublestar pattern; throws BadPatternError where doublestar would return ErrBadPattern. */
export function toPicomatch(pattern: string): string {
  let out = '';
  let braces = 0;
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i]!;
    if (c === '\\') {
      const next = pattern[i + 1];
      if (next === undefined) throw new BadPatternError(pattern, 'it ends with an escaping backslash');
      out += `\\${next}`;
      i++;
    } else if (c === '[') {
      const { glob, end } = readClass(pattern, i + 1);
      out += glob;
      i = end;
    } else if (c === '{') {
      braces++;
      out += '@(';
    } else if (c === '}' && braces > 0) {
      braces--;
      out += ')';
    } else if (c === ',' && braces > 0) {
      out += '|';
    } else if (c === '*' || c === '?' || c === '/') {
      out += c;
    } else if (LITERAL_IN_PICOMATCH.has(c) || c === '}' || c === ',' || c === ']') {
      out += `\\${c}`;
    } else {
      out += c;
    }
  }
  if (braces > 0) throw new BadPatternError(pattern, 'a "{" is not closed');
  return out;
}

/** Reads a character class whose content starts at `start`, as doublestar does: `^` negates, ranges lo-hi, `\` escapes. */
function readClass(pattern: string, start: number): { glob: string; end: number } {
  let i = start;
  let negated = false;
  if (pattern[i] === '^') {
    negated = true;
    i++;
  }
  let items = '';
  let count = 0;
  const readChar = (): string => {
    const c = pattern[i];
    if (c === undefined) throw new BadPatternError(pattern, 'a "[" is not closed');
    i++;
    if (c !== '\\') return c;
    const escaped = pattern[i];
    if (escaped === undefined) throw new BadPatternError(pattern, 'a "[" is not closed');
    i++;
    return escaped;
  };
  const emit = (c: string) => (CLASS_ESCAPE.has(c) ? `\\${c}` : c);
  for (;;) {
    const c = pattern[i];
    if (c === undefined) throw new BadPatternError(pattern, 'a "[" is not closed');
    if (c === ']') break;
    if (c === '-') throw new BadPatternError(pattern, 'a range in "[…]" has no lower bound');
    const low = readChar();
    let item = emit(low);
    if (pattern[i] === '-' && pattern[i + 1] !== ']') {
      i++;
      if (pattern[i] === '-') throw new BadPatternError(pattern, 'a range in "[…]" has no upper bound');
      const high = readChar();
      item += `-${emit(high)}`;
    } else if (pattern[i] === '-') {
      throw new BadPatternError(pattern, 'a range in "[…]" has no upper bound');
    }
    items += item;
    count++;
  }
  if (count === 0) throw new BadPatternError(pattern, 'a "[…]" class is empty');
  return { glob: `[${negated ? '^' : ''}${items}]`, end: i };
}

const compiled = new Map<string, (value: string) => boolean>();
const COMPILED_LIMIT = 2000;

/**
 * Whether `value` matches the doublestar `pattern`; as in Harbor, an empty
 * pattern matches everything. Compiled matchers are kept (the push path asks
 * for the same few rules' patterns over and over).
 */
export function doublestarMatch(pattern: string, value: string): boolean {
  if (pattern === '') return true;
  let matcher = compiled.get(pattern);
  if (!matcher) {
    matcher = picomatch(toPicomatch(pattern), { dot: true, nonegate: true, strictBrackets: true });
    if (compiled.size >= COMPILED_LIMIT) compiled.delete(compiled.keys().next().value!);
    compiled.set(pattern, matcher);
  }
  return matcher(value);
}

/** Undefined when the pattern is valid doublestar syntax, else why not. */
export function patternProblem(pattern: string): string | undefined {
  try {
    toPicomatch(pattern);
    return undefined;
  } catch (error) {
    if (error instanceof BadPatternError) return error.message;
    throw error;
  }
}
