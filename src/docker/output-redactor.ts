/**
 * Replaces known secret values in a byte stream with `[redacted]`, also when a value is split across
 * chunks: the last (longest secret - 1) bytes of each chunk are held back until the next one.
 */
export class OutputRedactor {
  private readonly secrets: Buffer[];
  private readonly holdBack: number;
  private tail: Buffer = Buffer.alloc(0);

  constructor(secrets: string[]) {
    this.secrets = [...new Set(secrets.filter((s) => s.length >= 4))]
      .sort((a, b) => b.length - a.length)
      .map((s) => Buffer.from(s));
    this.holdBack = this.secrets.length ? Math.max(...this.secrets.map((s) => s.length)) - 1 : 0;
  }

  /** Returns the bytes that are safe to emit now. */
  push(chunk: Buffer): Buffer {
    if (!this.secrets.length) return chunk;
    const all = this.redact(Buffer.concat([this.tail, chunk]));
    const keep = Math.min(this.holdBack, all.length);
    this.tail = all.subarray(all.length - keep);
    return all.subarray(0, all.length - keep);
  }

  /** The bytes still held back, at the end of the stream. */
  end(): Buffer {
    const rest = this.redact(this.tail);
    this.tail = Buffer.alloc(0);
    return rest;
  }

  private redact(buf: Buffer): Buffer {
    let out = buf;
    for (const s of this.secrets) {
      let at = out.indexOf(s);
      if (at < 0) continue;
      const parts: Buffer[] = [];
      let from = 0;
      while (at >= 0) {
        parts.push(out.subarray(from, at), REDACTED);
        from = at + s.length;
        at = out.indexOf(s, from);
      }
      parts.push(out.subarray(from));
      out = Buffer.concat(parts);
    }
    return out;
  }
}

const REDACTED = Buffer.from('[redacted]');
