import { Base64ContentDecoder } from './base64-content-decoder';
import { GostintError, invalidContainerJob } from './container-jobs-errors';

const NOT_JSON = 'Request body is not valid JSON';
const WS = new Set([0x20, 0x09, 0x0a, 0x0d]);
const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const ESCAPES: Record<string, string> = { '"': '"', '\\': '\\', '/': '/', b: '\b', f: '\f', n: '\n', r: '\r', t: '\t' };

export interface ContainerJobBodyLimits {
  /** Bytes of the whole body. */
  body: number;
  /** Characters of `content`'s string. */
  content: number;
  /** Bytes of every field but `content`, kept in memory and parsed at the end. */
  fields: number;
}

export const tooLarge = (message: string) => new GostintError(413, 'Request too large.', message);

type State = 'start' | 'first' | 'member' | 'key' | 'colon' | 'value' | 'other' | 'content' | 'next' | 'end';

/**
 * Reads a job request (a JSON object) as it arrives, without holding it whole: the characters of
 * `content` go through a base64 decoder straight out to the caller (`contentOf` yields the archive's
 * bytes), and every other member is kept as its JSON text, bounded, to be parsed once the body has ended
 * (`fields`). Only the top level is tokenised here; nested values are checked by JSON.parse.
 */
export class ContainerJobBodyScanner {
  private state: State = 'start';
  private bodyBytes = 0;
  private fieldParts: Buffer[] = [Buffer.from('{')];
  private fieldBytes = 1;
  private members = 0;
  private key: Buffer[] = [];
  private keyName = '';
  private inString = false;
  private escaped = false;
  private depth = 0;
  private decoder: Base64ContentDecoder | null = null;
  private contentChars = 0;
  private contentEscape: string | null = null;
  private sawContent = false;

  constructor(private readonly limits: ContainerJobBodyLimits) {}

  /** True once a `content` member was read. */
  get hasContent(): boolean {
    return this.sawContent;
  }

  /** Consumes the body; yields the decoded archive of `content` in pieces, as it arrives. */
  async *contentOf(body: AsyncIterable<Buffer | string>): AsyncGenerator<Buffer> {
    for await (const chunk of body) {
      const buf = typeof chunk === 'string' ? Buffer.from(chunk) : chunk;
      this.bodyBytes += buf.length;
      if (this.bodyBytes > this.limits.body)
        throw tooLarge(`the request body is larger than ${this.limits.body} bytes`);
      for (const out of this.scan(buf)) yield out;
    }
    if (this.state !== 'end') throw invalidContainerJob(NOT_JSON);
  }

  /** Every member but `content`, parsed, once `contentOf` has run to its end. */
  fields(): Record<string, unknown> {
    if (this.state !== 'end') throw new Error('the body has not been read to its end');
    try {
      return JSON.parse(Buffer.concat([...this.fieldParts, Buffer.from('}')]).toString('utf8')) as Record<
        string,
        unknown
      >;
    } catch {
      throw invalidContainerJob(NOT_JSON);
    }
  }

  private keep(bytes: Buffer) {
    this.fieldBytes += bytes.length;
    if (this.fieldBytes > this.limits.fields)
      throw tooLarge(`the fields other than content are larger than ${this.limits.fields} bytes`);
    this.fieldParts.push(Buffer.from(bytes)); // a copy: a slice would keep the whole chunk alive
  }

  private *scan(buf: Buffer): Generator<Buffer> {
    let i = 0;
    while (i < buf.length) {
      if (this.state === 'content') {
        const out = this.scanContent(buf, i);
        i = out.next;
        if (out.bytes?.length) yield out.bytes;
        continue;
      }
      if (this.state === 'other') {
        i = this.scanOther(buf, i);
        continue;
      }
      if (this.state === 'key') {
        i = this.scanKey(buf, i);
        continue;
      }
      const b = buf[i++];
      if (WS.has(b)) continue;
      switch (this.state) {
        case 'start':
          if (b !== 0x7b) throw invalidContainerJob(`${NOT_JSON}: a job request is a JSON object`);
          this.state = 'first';
          break;
        case 'first':
        case 'member':
          if (b === 0x7d && this.state === 'first') this.state = 'end';
          else if (b === QUOTE) this.state = 'key';
          else throw invalidContainerJob(NOT_JSON);
          break;
        case 'colon':
          if (b !== 0x3a) throw invalidContainerJob(NOT_JSON);
          this.state = 'value';
          break;
        case 'value':
          this.beginValue(b);
          break;
        case 'next':
          if (b === 0x2c) this.state = 'member';
          else if (b === 0x7d) this.state = 'end';
          else throw invalidContainerJob(NOT_JSON);
          break;
        case 'end':
          throw invalidContainerJob(NOT_JSON);
      }
    }
  }

  private scanKey(buf: Buffer, from: number): number {
    for (let i = from; i < buf.length; i++) {
      const b = buf[i];
      if (this.escaped) this.escaped = false;
      else if (b === BACKSLASH) this.escaped = true;
      else if (b === QUOTE) {
        this.key.push(buf.subarray(from, i));
        const raw = Buffer.concat(this.key).toString('utf8');
        this.key = [];
        try {
          this.keyName = JSON.parse(`"${raw}"`) as string;
        } catch {
          throw invalidContainerJob(NOT_JSON);
        }
        this.state = 'colon';
        return i + 1;
      }
    }
    const rest = buf.subarray(from);
    this.fieldBytes += rest.length; // keys count against the fields' bound while they are held
    if (this.fieldBytes > this.limits.fields)
      throw tooLarge(`the fields other than content are larger than ${this.limits.fields} bytes`);
    this.key.push(Buffer.from(rest));
    return buf.length;
  }

  private beginValue(first: number) {
    if (this.keyName === 'content') {
      if (this.sawContent) throw invalidContainerJob('content: given twice');
      if (first !== QUOTE) throw invalidContainerJob('content: must be a string');
      this.sawContent = true;
      this.decoder = new Base64ContentDecoder();
      this.state = 'content';
      return;
    }
    this.keep(Buffer.from(`${this.members ? ',' : ''}${JSON.stringify(this.keyName)}:`));
    this.members++;
    this.depth = 0;
    this.inString = false;
    this.escaped = false;
    this.state = 'other';
    this.scanOther(Buffer.from([first]), 0);
  }

  /** A member's value other than content: kept byte for byte up to the `,` or `}` that ends it. */
  private scanOther(buf: Buffer, from: number): number {
    for (let i = from; i < buf.length; i++) {
      const b = buf[i];
      if (this.inString) {
        if (this.escaped) this.escaped = false;
        else if (b === BACKSLASH) this.escaped = true;
        else if (b === QUOTE) this.inString = false;
        continue;
      }
      if (b === QUOTE) this.inString = true;
      else if (b === 0x7b || b === 0x5b) this.depth++;
      else if ((b === 0x7d || b === 0x5d) && this.depth > 0) this.depth--;
      else if (this.depth === 0 && (b === 0x2c || b === 0x7d || b === 0x5d)) {
        if (b === 0x5d) throw invalidContainerJob(NOT_JSON);
        this.keep(buf.subarray(from, i));
        this.state = b === 0x2c ? 'member' : 'end';
        return i + 1;
      }
    }
    this.keep(buf.subarray(from));
    return buf.length;
  }

  /** Content's characters: runs of plain ones are handed to the decoder whole; escapes one by one. */
  private scanContent(buf: Buffer, from: number): { next: number; bytes: Buffer | null } {
    const decoder = this.decoder!;
    const parts: Buffer[] = [];
    const take = (text: string) => {
      this.contentChars += text.length;
      if (this.contentChars > this.limits.content)
        throw tooLarge(`content is larger than ${this.limits.content} characters`);
      const out = decoder.push(text);
      if (out?.length) parts.push(out);
    };
    let i = from;
    while (i < buf.length) {
      if (this.contentEscape !== null) {
        const ch = String.fromCharCode(buf[i++]);
        if (this.contentEscape === '') {
          if (ch === 'u') this.contentEscape = 'u';
          else if (ch in ESCAPES) {
            this.contentEscape = null;
            take(ESCAPES[ch]);
          } else throw invalidContainerJob(NOT_JSON);
        } else {
          this.contentEscape += ch;
          if (this.contentEscape.length === 5) {
            const hex = this.contentEscape.slice(1);
            if (!/^[0-9a-fA-F]{4}$/.test(hex)) throw invalidContainerJob(NOT_JSON);
            this.contentEscape = null;
            take(String.fromCharCode(parseInt(hex, 16)));
          }
        }
        continue;
      }
      const quote = buf.indexOf(QUOTE, i);
      const slash = buf.indexOf(BACKSLASH, i);
      const stop = [quote, slash].filter((n) => n >= 0).reduce((a, n) => Math.min(a, n), buf.length);
      // Bytes past ASCII are not base64 and fail in the decoder as latin1 characters.
      if (stop > i) take(buf.toString('latin1', i, stop));
      i = stop;
      if (i >= buf.length) break;
      i++;
      if (buf[i - 1] === BACKSLASH) this.contentEscape = '';
      else {
        const out = decoder.end();
        if (out.length) parts.push(out);
        this.decoder = null;
        this.state = 'next';
        break;
      }
    }
    return { next: i, bytes: parts.length ? Buffer.concat(parts) : null };
  }
}
