import { BerthError } from '../errors.ts';

/**
 * Parses a blob GET's Range header (one range of RFC 9110 byte-range syntax).
 * Returns undefined for no or ignorable headers, 'unsatisfiable' for a range
 * outside the blob.
 */
export function parseByteRange(header: string | undefined, size: number): { start: number; end: number } | 'unsatisfiable' | undefined {
  if (header === undefined) return undefined;
  const match = /^bytes=(\d*)-(\d*)$/.exec(header.trim());
  if (!match || (match[1] === '' && match[2] === '')) {
    throw new BerthError('RANGE_INVALID', `malformed or multi-part Range ${JSON.stringify(header)}`, { headers: { 'Content-Range': `bytes */${size}` } });
  }
  if (match[1] === '') {
    const suffix = Number(match[2]);
    if (suffix === 0 || size === 0) return 'unsatisfiable';
    return { start: Math.max(size - suffix, 0), end: size - 1 };
  }
  const start = Number(match[1]);
  const end = match[2] === '' ? size - 1 : Math.min(Number(match[2]), size - 1);
  if (start >= size || end < start) return 'unsatisfiable';
  return { start, end };
}

/** PATCH's Content-Range: the OCI form "<start>-<end>", also accepting "bytes " / "/<total>" decorations. */
export function parseContentRange(header: string | undefined): { start: number; end: number } | undefined {
  if (header === undefined) return undefined;
  const match = /^(?:bytes[ =])?(\d+)-(\d+)(?:\/(?:\d+|\*))?$/.exec(header.trim());
  if (!match) throw new BerthError('RANGE_INVALID', `malformed Content-Range ${JSON.stringify(header)}`);
  const start = Number(match[1]);
  const end = Number(match[2]);
  if (!Number.isSafeInteger(start) || !Number.isSafeInteger(end) || end < start) {
    throw new BerthError('RANGE_INVALID', `malformed Content-Range ${JSON.stringify(header)}`);
  }
  return { start, end };
}

/** `n` for listings: a non-negative integer; larger values are clamped by the service. */
export function parsePageSize(value: string | undefined): number | undefined {
  if (value === undefined || value === '') return undefined;
  if (!/^\d{1,9}$/.test(value)) throw new BerthError('BAD_REQUEST', `n must be a non-negative integer, got ${JSON.stringify(value)}`, { status: 400 });
  return Number(value);
}
