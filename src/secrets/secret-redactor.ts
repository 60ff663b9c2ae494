import { encodedForms } from './secret-encodings';

/** What replaces a secret wherever bosun writes it. */
export const REDACTED = '[redacted]';

/**
 * Values shorter than this are redacted only where they stand as a word of their own: a one- to
 * three-character value occurs by chance inside ordinary words, and redacting it there would wreck the
 * output and, by the pattern of the gaps, show the value anyway.
 */
export const SHORT_SECRET_LENGTH = 4;

/** One byte pattern to redact; `wholeWord` is the rule for short values. */
export interface SecretPattern {
  bytes: Buffer;
  wholeWord: boolean;
}

/**
 * The secret values one task has read, and the redaction of everything the task writes: its event,
 * debug and result lines, its result text, the events recorded for it and the daemon's log lines about
 * it. The secret resolution paths register every value they hand to the task (`add`), in each form
 * bosun itself writes it (see `encodedForms`).
 */
export class SecretRedactor {
  private readonly values = new Set<string>();
  private list: SecretPattern[] = [];

  /** Registers a secret value (an empty one is nothing to hide). */
  add(value: string): void {
    if (!value || this.values.has(value)) return;
    this.values.add(value);
    const wholeWord = [...value].length < SHORT_SECRET_LENGTH;
    const known = new Set(this.list.map((p) => p.bytes.toString('latin1')));
    for (const form of encodedForms(value)) {
      const bytes = Buffer.from(form);
      if (known.has(bytes.toString('latin1'))) continue;
      this.list.push({ bytes, wholeWord });
    }
    this.list.sort((a, b) => b.bytes.length - a.bytes.length);
  }

  /** Registers every string inside a secret's value (a json secret's fields, a certificate's parts). */
  addLeaves(value: unknown): void {
    if (typeof value === 'string') this.add(value);
    else if (Array.isArray(value)) value.forEach((v) => this.addLeaves(v));
    else if (value && typeof value === 'object') Object.values(value).forEach((v) => this.addLeaves(v));
  }

  get patterns(): readonly SecretPattern[] {
    return this.list;
  }

  get isEmpty(): boolean {
    return this.list.length === 0;
  }

  text(s: string): string {
    if (this.isEmpty || !s) return s;
    return redactBytes(Buffer.from(s), this.list).toString();
  }

  /**
   * A copy of a value to be serialized (an event line, a result object, a log line's fields) with every
   * string redacted; redacting before serializing keeps JSON well-formed and catches escaped forms.
   * Objects other than plain ones (an Error) are left to the serializer that knows them.
   */
  value<T>(v: T): T {
    if (this.isEmpty) return v;
    return this.deep(v) as T;
  }

  private deep(v: unknown): unknown {
    if (typeof v === 'string') return this.text(v);
    if (Array.isArray(v)) return v.map((x) => this.deep(x));
    if (v && typeof v === 'object') {
      const proto: unknown = Object.getPrototypeOf(v);
      if (proto !== Object.prototype && proto !== null) return v;
      return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, this.deep(x)]));
    }
    return v;
  }
}

const isWordByte = (b: number | undefined) =>
  b !== undefined && ((b >= 0x30 && b <= 0x39) || (b >= 0x41 && b <= 0x5a) || (b >= 0x61 && b <= 0x7a) || b === 0x5f);

/**
 * Where the patterns occur in `buf`, merged into disjoint [start, end) ranges. A whole-word pattern
 * counts only where no word character touches a word-character edge of it (as regex `\b`): `before`
 * is the byte preceding `buf` in its stream, if any; `atEnd` false means the byte after `buf` is not
 * known yet, so a whole-word match ending there does not count (yet).
 */
export function secretRanges(
  buf: Buffer,
  patterns: readonly SecretPattern[],
  before?: number,
  atEnd = true,
): Array<[number, number]> {
  const found: Array<[number, number]> = [];
  for (const { bytes, wholeWord } of patterns) {
    for (let at = buf.indexOf(bytes); at >= 0; at = buf.indexOf(bytes, at + 1)) {
      const end = at + bytes.length;
      if (wholeWord) {
        const prev = at > 0 ? buf[at - 1] : before;
        if (isWordByte(bytes[0]) && isWordByte(prev)) continue;
        if (isWordByte(bytes[bytes.length - 1]) && (end < buf.length ? isWordByte(buf[end]) : !atEnd)) continue;
      }
      found.push([at, end]);
    }
  }
  found.sort((a, b) => a[0] - b[0]);
  const merged: Array<[number, number]> = [];
  for (const r of found) {
    const last = merged[merged.length - 1];
    if (last && r[0] <= last[1]) last[1] = Math.max(last[1], r[1]);
    else merged.push([r[0], r[1]]);
  }
  return merged;
}

const REDACTED_BYTES = Buffer.from(REDACTED);

/** `buf` (a whole text) with every secret range replaced by one `[redacted]`, in one pass: the marker is never searched. */
function redactBytes(buf: Buffer, patterns: readonly SecretPattern[]): Buffer {
  return replaceRanges(buf, secretRanges(buf, patterns), false);
}

/** Replaces each range with the marker; `continuing` omits it for a range at 0 (its marker was written before). */
export function replaceRanges(buf: Buffer, ranges: Array<[number, number]>, continuing: boolean): Buffer {
  if (!ranges.length) return buf;
  const parts: Buffer[] = [];
  let from = 0;
  for (const [start, end] of ranges) {
    parts.push(buf.subarray(from, start));
    if (!(continuing && start === 0)) parts.push(REDACTED_BYTES);
    from = end;
  }
  parts.push(buf.subarray(from));
  return Buffer.concat(parts);
}
