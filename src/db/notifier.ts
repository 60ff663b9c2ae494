import { EventEmitter } from 'node:events';
import pg from 'pg';
import type { Logger } from '../logger';

/** Channel carrying task wake-ups between the nodes sharing one database. */
export const TASKS_CHANNEL = 'bosun_tasks';

/** Channel on which every statement appending to task_logs says how far each log it touched reaches. */
export const TASK_LOGS_CHANNEL = 'bosun_task_logs';

/**
 * A queued task's signal names its type, so that a node which cannot run that type is not woken for it
 * (`type` is null in a signal from a node of an earlier version, which did not name it). A finished
 * task's signal names its serial queue, whose next task may now be claimed.
 */
export type TaskSignal =
  | { kind: 'queued'; id: number; type: string | null }
  | { kind: 'finished'; id: number; queue: string | null }
  | { kind: 'cancel'; id: number }
  /** A job configuration of the scheduler changed: its next run may be earlier than a node's timer. */
  | { kind: 'schedule' }
  /** Bytes were appended to a task's log, which now has `size` bytes (sent by the task_logs trigger). */
  | { kind: 'appended'; id: number; log: string; size: number };

/** The SQL that builds a finished signal's payload from a tasks row's `id` and `queue_name`. */
export const FINISHED_PAYLOAD_SQL = `'finished:' || id || coalesce(':' || queue_name, '')`;

/** A TASK_LOGS_CHANNEL payload, `<task id>:<log>:<size>`. */
export function decodeAppended(payload: string): TaskSignal | null {
  const m = /^(\d+):(\w+):(\d+)$/.exec(payload);
  return m ? { kind: 'appended', id: Number(m[1]), log: m[2], size: Number(m[3]) } : null;
}

function decodeSignal(payload: string): TaskSignal | null {
  const queued = /^queued:(\d+)(?::(.+))?$/.exec(payload);
  if (queued) return { kind: 'queued', id: Number(queued[1]), type: queued[2] ?? null };
  const finished = /^finished:(\d+)(?::(.+))?$/.exec(payload);
  if (finished) return { kind: 'finished', id: Number(finished[1]), queue: finished[2] ?? null };
  if (payload === 'schedule') return { kind: 'schedule' };
  const cancel = /^cancel:(\d+)$/.exec(payload);
  return cancel ? { kind: 'cancel', id: Number(cancel[1]) } : null;
}

/**
 * Delivers task signals to this node's runner. On PostgreSQL they come through LISTEN/NOTIFY from every
 * node (the NOTIFY is sent in SQL, in the transaction that changed the task); on the embedded database
 * there is only this process, so signals are emitted in-process, but for log appends, which the
 * embedded database's own LISTEN delivers from the same trigger.
 */
export interface Notifier {
  /** True when signals sent in SQL (pg_notify) reach the listeners; false means `publish` must be used. */
  readonly viaDatabase: boolean;
  publish(signal: TaskSignal): void;
  subscribe(listener: (s: TaskSignal) => void): () => void;
  close(): Promise<void>;
}

export class LocalNotifier implements Notifier {
  readonly viaDatabase = false;
  private readonly emitter = new EventEmitter().setMaxListeners(0);

  publish(signal: TaskSignal): void {
    this.emitter.emit('signal', signal);
  }

  subscribe(listener: (s: TaskSignal) => void): () => void {
    this.emitter.on('signal', listener);
    return () => this.emitter.off('signal', listener);
  }

  close(): Promise<void> {
    this.emitter.removeAllListeners();
    return Promise.resolve();
  }
}

/** Keeps one LISTEN connection open, reconnecting with backoff; pollers cover the gaps. */
export class PgNotifier implements Notifier {
  readonly viaDatabase = true;
  private readonly local = new LocalNotifier();
  private client: pg.Client | null = null;
  private closed = false;
  private retryMs = 100;

  constructor(
    private readonly url: string,
    private readonly log: Logger,
  ) {}

  async start(): Promise<void> {
    await this.connect();
  }

  private async connect(): Promise<void> {
    const client = new pg.Client({ connectionString: this.url, application_name: 'bosun-listen' });
    client.on('notification', (msg) => {
      const decode = msg.channel === TASK_LOGS_CHANNEL ? decodeAppended : decodeSignal;
      const signal = msg.payload ? decode(msg.payload) : null;
      if (signal) this.local.publish(signal);
    });
    client.on('error', (err) => {
      this.log.warn({ err }, 'LISTEN connection lost');
      this.reconnectLater(client);
    });
    client.on('end', () => this.reconnectLater(client));
    await client.connect();
    await client.query(`LISTEN ${TASKS_CHANNEL}; LISTEN ${TASK_LOGS_CHANNEL}`);
    this.client = client;
    this.retryMs = 100;
  }

  private reconnectLater(client: pg.Client): void {
    if (this.closed || this.client !== client) return;
    this.client = null;
    client.removeAllListeners('end');
    client.end().catch(() => undefined);
    const delay = this.retryMs;
    this.retryMs = Math.min(this.retryMs * 2, 30_000);
    setTimeout(() => {
      if (this.closed) return;
      this.connect().catch((err) => {
        this.log.warn({ err }, 'LISTEN reconnect failed');
        this.client = client;
        this.reconnectLater(client);
      });
    }, delay).unref();
  }

  publish(signal: TaskSignal): void {
    this.local.publish(signal);
  }

  subscribe(listener: (s: TaskSignal) => void): () => void {
    return this.local.subscribe(listener);
  }

  async close(): Promise<void> {
    this.closed = true;
    const c = this.client;
    this.client = null;
    if (c) {
      c.removeAllListeners('end');
      await c.end().catch(() => undefined);
    }
    await this.local.close();
  }
}
