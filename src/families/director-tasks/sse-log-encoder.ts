/** Decodes whole texts only (no stream state), so one serves every stream. */
const utf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

/**
 * A log's bytes as server-sent events, exactly: each event's `id` is the log offset just past its bytes
 * (what `Last-Event-ID` resumes from). Bytes that are UTF-8 text without a carriage return (which the
 * event-stream format cannot carry: it ends a line) go as plain `message` events whose data is the text,
 * one `data:` line per line of it; anything else goes as a `bytes` event whose data is the bytes in base64.
 * A character cut by the end of an append is held back until its last bytes come.
 */
export class SseLogEncoder {
  private pending: Buffer = Buffer.alloc(0);

  /** `offset`: where the log's first bytes given to `bytes` start. */
  constructor(private offset: number) {}

  /** The events for the bytes that follow those given before (empty while only part of a character came). */
  bytes(data: Buffer): string {
    const all = this.pending.length ? Buffer.concat([this.pending, data]) : data;
    const whole = completeUtf8Length(all);
    const text = whole ? this.asText(all.subarray(0, whole)) : '';
    if (whole && text === null) {
      this.pending = Buffer.alloc(0);
      return this.binary(all);
    }
    this.pending = Buffer.from(all.subarray(whole));
    if (!whole) return '';
    this.offset += whole;
    return `id: ${this.offset}\ndata: ${text!.split('\n').join('\ndata: ')}\n\n`;
  }

  /** The events for bytes still held back (part of a character at the log's end). */
  flush(): string {
    if (!this.pending.length) return '';
    const rest = this.pending;
    this.pending = Buffer.alloc(0);
    return this.binary(rest);
  }

  private binary(data: Buffer): string {
    this.offset += data.length;
    return `event: bytes\nid: ${this.offset}\ndata: ${data.toString('base64')}\n\n`;
  }

  private asText(data: Buffer): string | null {
    try {
      const text = utf8.decode(data);
      return text.includes('\r') ? null : text;
    } catch {
      return null;
    }
  }
}

/** Length of `buf` without a multi-byte UTF-8 sequence its end cuts short. */
export function completeUtf8Length(buf: Buffer): number {
  for (let i = buf.length - 1; i >= Math.max(0, buf.length - 4); i--) {
    const b = buf[i];
    if ((b & 0xc0) === 0x80) continue;
    const need = b >= 0xf0 ? 4 : b >= 0xe0 ? 3 : b >= 0xc0 ? 2 : 1;
    return i + need > buf.length ? i : buf.length;
  }
  return buf.length;
}
