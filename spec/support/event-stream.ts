import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type Koa from 'koa';
import type { AppState } from '../../src/http/context';

/** One server-sent event as a client parses it (the event-stream format's rules). */
export interface SseEvent {
  event: string;
  id: string | null;
  data: string;
}

/** A log's bytes from its events: `message` data is text, `bytes` data base64. */
export function bytesOf(events: SseEvent[]): Buffer {
  return Buffer.concat(
    events
      .filter((e) => e.event === 'message' || e.event === 'bytes')
      .map((e) => (e.event === 'bytes' ? Buffer.from(e.data, 'base64') : Buffer.from(e.data, 'utf8'))),
  );
}

/** Parses a complete event-stream text (as EventSource does: comments skipped, one leading space dropped). */
export function parseEvents(text: string): SseEvent[] {
  const events: SseEvent[] = [];
  for (const block of text.split('\n\n')) {
    if (!block) continue;
    let event = 'message';
    let id: string | null = null;
    const data: string[] = [];
    let any = false;
    for (const line of block.split('\n')) {
      if (line.startsWith(':')) continue;
      const colon = line.indexOf(':');
      const field = colon < 0 ? line : line.slice(0, colon);
      let value = colon < 0 ? '' : line.slice(colon + 1);
      if (value.startsWith(' ')) value = value.slice(1);
      if (field === 'event') event = value;
      else if (field === 'id') id = value;
      else if (field === 'data') data.push(value);
      else continue;
      any = true;
    }
    if (any && data.length) events.push({ event, id, data: data.join('\n') });
  }
  return events;
}

/** A live event-stream response: the events so far, and waits for more. */
export class EventStreamClient {
  text = '';
  ended = false;
  private waiters: Array<() => void> = [];

  constructor(
    readonly res: http.IncomingMessage,
    private readonly req: http.ClientRequest,
  ) {
    res.setEncoding('utf8');
    res.on('data', (chunk: string) => {
      this.text += chunk;
      this.wakeAll();
    });
    res.on('end', () => {
      this.ended = true;
      this.wakeAll();
    });
    res.on('error', () => undefined);
  }

  get status(): number {
    return this.res.statusCode ?? 0;
  }

  /** The complete events received so far. */
  get events(): SseEvent[] {
    const complete = this.text.slice(0, this.text.lastIndexOf('\n\n') + 2);
    return parseEvents(complete);
  }

  /** Waits until `until` holds of the events (or the response ends), failing after `timeoutMs`. */
  async waitFor(until: (events: SseEvent[]) => boolean, timeoutMs = 10_000): Promise<SseEvent[]> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const events = this.events;
      if (until(events)) return events;
      if (this.ended) throw new Error(`stream ended without the expected events: ${JSON.stringify(events)}`);
      if (Date.now() > deadline) throw new Error(`no expected events after ${timeoutMs} ms: ${JSON.stringify(events)}`);
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, 100);
        this.waiters.push(() => {
          clearTimeout(t);
          resolve();
        });
      });
    }
  }

  /** Waits for the response's end; the events it carried. */
  async done(timeoutMs = 10_000): Promise<SseEvent[]> {
    const deadline = Date.now() + timeoutMs;
    while (!this.ended) {
      if (Date.now() > deadline) throw new Error(`stream still open after ${timeoutMs} ms: ${this.text}`);
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, 100);
        this.waiters.push(() => {
          clearTimeout(t);
          resolve();
        });
      });
    }
    return this.events;
  }

  close(): void {
    this.req.destroy();
  }

  private wakeAll(): void {
    const w = this.waiters;
    this.waiters = [];
    for (const f of w) f();
  }
}

/** The app on a port of 127.0.0.1 (plain HTTP), for responses read as they come. */
export class LiveServer {
  private constructor(
    private readonly server: http.Server,
    readonly port: number,
  ) {}

  static async start(app: Koa<AppState>): Promise<LiveServer> {
    const handle = app.callback();
    const server = http.createServer((req, res) => void handle(req, res));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    return new LiveServer(server, (server.address() as AddressInfo).port);
  }

  /** GETs `path` and resolves once the response headers are in. */
  open(path: string, headers: Record<string, string>): Promise<EventStreamClient> {
    return new Promise((resolve, reject) => {
      const req = http.get({ host: '127.0.0.1', port: this.port, path, headers }, (res) =>
        resolve(new EventStreamClient(res, req)),
      );
      req.on('error', reject);
    });
  }

  async stop(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}
