import { replaceRanges, secretRanges, SecretPattern, SecretRedactor } from '../secrets/secret-redactor';

/**
 * Redacts a task's secrets from one byte stream (a container's stdout or stderr), also when a value
 * straddles chunks: the last (longest pattern) bytes of each chunk are held back until the next one, and
 * the rest of a secret that straddles what was emitted is redacted with the next chunk. Uses the
 * patterns the task's redactor holds when the stream starts.
 */
export class OutputRedactor {
  private readonly patterns: readonly SecretPattern[];
  private readonly holdBack: number;
  private tail: Buffer = Buffer.alloc(0);
  /** The byte before `tail` (for the whole-word rule of short values). */
  private before: number | undefined;
  /** How many bytes at the start of `tail` belong to a secret whose start was already emitted as the marker. */
  private secretCarried = 0;

  constructor(redactor: SecretRedactor) {
    this.patterns = [...redactor.patterns];
    this.holdBack = this.patterns.length ? Math.max(...this.patterns.map((p) => p.bytes.length)) : 0;
  }

  /** Returns the bytes that are safe to emit now. */
  push(chunk: Buffer): Buffer {
    if (!this.patterns.length) return chunk;
    const all = Buffer.concat([this.tail, chunk]);
    const ranges = this.rangesIn(all, false);
    const cut = Math.max(0, all.length - this.holdBack);
    const emitted = ranges
      .filter(([start]) => start < cut)
      .map(([start, end]): [number, number] => [start, Math.min(end, cut)]);
    const out = replaceRanges(all.subarray(0, cut), emitted, this.secretCarried > 0);
    // A secret that crosses the cut, or one carried in that nothing was emitted of yet, goes on being carried.
    const straddling = ranges.find(
      ([start, end]) => end > cut && (start < cut || (start === 0 && this.secretCarried > 0)),
    );
    this.secretCarried = straddling ? straddling[1] - cut : 0;
    if (cut > 0) this.before = all[cut - 1];
    this.tail = all.subarray(cut);
    return out;
  }

  /** The bytes still held back, at the end of the stream. */
  end(): Buffer {
    const rest = replaceRanges(this.tail, this.rangesIn(this.tail, true), this.secretCarried > 0);
    this.tail = Buffer.alloc(0);
    this.secretCarried = 0;
    return rest;
  }

  private rangesIn(buf: Buffer, atEnd: boolean): Array<[number, number]> {
    const ranges = secretRanges(buf, this.patterns, this.before, atEnd);
    if (!this.secretCarried) return ranges;
    const carried: [number, number] = [0, this.secretCarried];
    // The carried range joins any range it touches, as one pass over the whole stream would have merged them.
    while (ranges.length && ranges[0][0] <= carried[1]) carried[1] = Math.max(carried[1], ranges.shift()![1]);
    return [carried, ...ranges];
  }
}
