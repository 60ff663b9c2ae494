import { invalidContainerJob } from './container-jobs-errors';

/** Base64 characters decoded at once: a multiple of 4, small enough to keep memory flat. */
const DECODE_BATCH = 64 * 1024;
const PREFIX = 'targz,';
const PLAIN = /^[A-Za-z0-9+/\r\n]*$/;

/**
 * Decodes GoStint's `content` (base64 of a tar.gz, with or without a `targz,` prefix) piece by piece as
 * its characters arrive, with the rules `decodeContent` applies to a whole string: base64 characters and
 * line breaks, at most two `=`, then only white space; the archive must start as gzip does.
 */
export class Base64ContentDecoder {
  private head = '';
  private pending = '';
  private stage: 'data' | 'pad' | 'space' = 'data';
  private pads = 0;
  private decodedBytes = 0;
  private firstBytes = Buffer.alloc(0);

  /** Takes characters of the string (escapes already resolved); returns the archive bytes decoded so far. */
  push(text: string): Buffer | null {
    if (this.head.length < PREFIX.length) {
      // The prefix may arrive split across pieces: hold characters until it is known whether it is there.
      this.head += text;
      if (this.head.length < PREFIX.length && PREFIX.startsWith(this.head)) return null;
      text = this.head.startsWith(PREFIX) ? this.head.slice(PREFIX.length) : this.head;
      this.head = PREFIX; // from here on, never held again
    }
    if (this.stage === 'data' && PLAIN.test(text)) {
      this.pending += text.includes('\r') || text.includes('\n') ? text.replace(/[\r\n]/g, '') : text;
    } else {
      for (const ch of text) this.takeSlowly(ch);
    }
    if (this.pending.length < DECODE_BATCH) return null;
    const cut = this.pending.length - (this.pending.length % 4);
    const out = Buffer.from(this.pending.slice(0, cut), 'base64');
    this.pending = this.pending.slice(cut);
    return this.checked(out);
  }

  /** The last bytes, once the string has ended. */
  end(): Buffer {
    if (this.head.length < PREFIX.length) {
      const rest = this.head;
      this.head = PREFIX;
      this.push(rest);
    }
    const out = this.checked(Buffer.from(this.pending, 'base64'));
    this.pending = '';
    if (this.decodedBytes < 2) throw invalidContainerJob('content is not a gzip-compressed tar');
    return out;
  }

  /** The end of the string: padding and trailing white space, one character at a time. */
  private takeSlowly(ch: string) {
    const base64 = /[A-Za-z0-9+/]/.test(ch);
    if (base64 && this.stage === 'data') this.pending += ch;
    else if ((ch === '\r' || ch === '\n') && this.stage === 'data') return;
    else if (ch === '=' && this.stage !== 'space' && this.pads < 2) {
      this.stage = 'pad';
      this.pads++;
    } else if (/\s/.test(ch)) this.stage = 'space';
    else throw invalidContainerJob('content is not base64');
  }

  /** The archive must be gzip: its first two bytes are checked as soon as they are decoded. */
  private checked(out: Buffer): Buffer {
    if (this.firstBytes.length < 2 && out.length) {
      this.firstBytes = Buffer.concat([this.firstBytes, out.subarray(0, 2)]).subarray(0, 2);
      if (this.firstBytes[0] !== 0x1f || (this.firstBytes.length === 2 && this.firstBytes[1] !== 0x8b)) {
        throw invalidContainerJob('content is not a gzip-compressed tar');
      }
    }
    this.decodedBytes += out.length;
    return out;
  }
}
