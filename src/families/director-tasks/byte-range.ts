/**
 * A `Range` header resolved against a body of `size` bytes, with Rack's rules (which the Director uses):
 * no header, a malformed one or several ranges mean the whole body; a single range that cannot be
 * satisfied (start at or past the end, an empty body included) is `unsatisfiable`.
 */
export type ResolvedRange =
  { kind: 'whole' } | { kind: 'partial'; start: number; end: number } | { kind: 'unsatisfiable' };

export function resolveRange(header: string | undefined, size: number): ResolvedRange {
  if (!header) return { kind: 'whole' };
  const m = /^bytes=\s*(.+)$/i.exec(header.trim());
  if (!m) return { kind: 'whole' };
  const specs = m[1].split(',').map((s) => s.trim());
  if (specs.length !== 1) return { kind: 'whole' };
  const r = /^(\d*)-(\d*)$/.exec(specs[0]);
  if (!r || (r[1] === '' && r[2] === '')) return { kind: 'whole' };
  let start: number;
  let end: number;
  if (r[1] === '') {
    const suffix = Number(r[2]);
    if (suffix === 0) return { kind: 'unsatisfiable' };
    start = Math.max(0, size - suffix);
    end = size - 1;
  } else {
    start = Number(r[1]);
    end = r[2] === '' ? size - 1 : Math.min(Number(r[2]), size - 1);
    if (r[2] !== '' && Number(r[2]) < start) return { kind: 'whole' };
  }
  if (!Number.isSafeInteger(start) || start > end || start >= size) return { kind: 'unsatisfiable' };
  return { kind: 'partial', start, end };
}
