import type { LogAppendBatcher } from './log-append-batcher';
import type { TaskLogName } from './task-log';

/** Largest chunk row written at once. */
const MAX_CHUNK = 1024 * 1024;

const noop = () => undefined;

/** How long queued progress lines wait to be stored together. */
const QUEUED_STORE_DELAY_MS = 20;

interface Pending {
  data: Buffer;
  resolve: () => void;
  reject: (err: Error) => void;
}

/**
 * Appends to one log of one task. Each write resolves once its bytes are stored, so nothing a task
 * wrote is lost if the process dies; writes made while a flush is in flight are stored together in
 * the next one (group commit), so a chatty task costs few round trips, and the node's batcher shares
 * each commit with the other tasks' logs.
 */
export class TaskLogWriter {
  private pending: Pending[] = [];
  private flushing: Promise<void> | null = null;
  private failure: Error | null = null;
  private timer: NodeJS.Timeout | null = null;

  constructor(
    private readonly appender: LogAppendBatcher,
    readonly taskId: number,
    readonly log: TaskLogName,
    private size: number,
  ) {}

  get bytesWritten(): number {
    return this.size;
  }

  write(data: Buffer | string): Promise<void> {
    const buf = typeof data === 'string' ? Buffer.from(data, 'utf8') : data;
    if (buf.length === 0) return Promise.resolve();
    if (this.failure) return Promise.reject(this.failure);
    const done = new Promise<void>((resolve, reject) => this.pending.push({ data: buf, resolve, reject }));
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    // `flushing` is cleared inside drain() itself, in the same tick its loop sees nothing pending, so a
    // write made by a caller resumed from an earlier write always finds it cleared or still looping.
    if (!this.flushing) this.flushing = this.drain();
    return done;
  }

  /**
   * Queues bytes without waiting for them to be stored (progress lines: a task's stages, steps and
   * result lines), so a task does not wait for a commit per line; they are stored in order with the
   * writes around them, at the latest by flush(). A failed store shows in `failed`.
   */
  enqueue(data: Buffer | string): void {
    if (this.failure) throw this.failure;
    const buf = typeof data === 'string' ? Buffer.from(data, 'utf8') : data;
    if (buf.length === 0) return;
    this.pending.push({ data: buf, resolve: noop, reject: noop });
    // Stored a moment later, so that the lines a task writes in one go share one store, and a short
    // task's lines go with the statement that ends it (takeRest).
    if (!this.flushing && !this.timer) {
      this.timer = setTimeout(() => {
        this.timer = null;
        if (!this.flushing) this.flushing = this.drain();
      }, QUEUED_STORE_DELAY_MS);
    }
  }

  /**
   * For the statement that ends the task: stops the delayed store and hands over what is still queued,
   * as chunks at this log's next offsets (everything written with `write` is stored first).
   */
  async takeRest(): Promise<Array<{ offset: number; data: Buffer }>> {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    await this.flush();
    if (this.failure || !this.pending.length) return [];
    const all = Buffer.concat(this.pending.map((p) => p.data));
    this.pending = [];
    const chunks = [];
    for (let offset = 0; offset < all.length; offset += MAX_CHUNK)
      chunks.push({ offset: this.size + offset, data: all.subarray(offset, offset + MAX_CHUNK) });
    this.size += all.length;
    return chunks;
  }

  /** Why storing failed, once it has. */
  get failed(): Error | null {
    return this.failure;
  }

  /** Resolves when everything written so far is stored. */
  async flush(): Promise<void> {
    while (this.flushing) await this.flushing;
  }

  private async drain(): Promise<void> {
    while (this.pending.length) {
      const batch = this.pending;
      this.pending = [];
      try {
        await this.store(Buffer.concat(batch.map((p) => p.data)));
        for (const p of batch) p.resolve();
      } catch (err) {
        const e = err as Error;
        this.failure = e;
        for (const p of [...batch, ...this.pending]) p.reject(e);
        this.pending = [];
        break;
      }
    }
    this.flushing = null;
  }

  /** One chunk per MAX_CHUNK bytes, at consecutive offsets; the size moves on once all are stored. */
  private async store(all: Buffer): Promise<void> {
    const appends: Array<Promise<void>> = [];
    for (let offset = 0; offset < all.length; offset += MAX_CHUNK) {
      appends.push(
        this.appender.append({
          taskId: this.taskId,
          log: this.log,
          startOffset: this.size + offset,
          data: all.subarray(offset, offset + MAX_CHUNK),
        }),
      );
    }
    await Promise.all(appends);
    this.size += all.length;
  }
}
