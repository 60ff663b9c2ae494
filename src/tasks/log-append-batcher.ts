import type { Knex } from 'knex';
import { TaskLostError } from '../errors/task-cancelled';
import type { TaskLogName } from './task-log';

export interface LogChunk {
  taskId: number;
  log: TaskLogName;
  startOffset: number;
  data: Buffer;
}

interface Queued extends LogChunk {
  resolve: () => void;
  reject: (err: Error) => void;
}

/** Bytes sent in one statement at most; what is left waits for the next. */
const MAX_BATCH_BYTES = 8 * 1024 * 1024;

/**
 * Appends log chunks of every task a node runs, sharing commits between them: chunks queued while a
 * statement is in flight go together in the next one (group commit across tasks), so the number of
 * commits grows with the flushes, not with the tasks. Each append still resolves only once its chunk
 * is stored. A chunk whose (task, log, offset) is already stored was written by another node: its
 * append alone fails with TaskLostError, the others of the batch are stored.
 */
export class LogAppendBatcher {
  private queue: Queued[] = [];
  private flushing = false;

  constructor(private readonly knex: Knex) {}

  append(chunk: LogChunk): Promise<void> {
    const done = new Promise<void>((resolve, reject) => this.queue.push({ ...chunk, resolve, reject }));
    if (!this.flushing) void this.drain();
    return done;
  }

  private async drain(): Promise<void> {
    this.flushing = true;
    while (this.queue.length) {
      let bytes = 0;
      let n = 0;
      while (n < this.queue.length && (n === 0 || bytes + this.queue[n].data.length <= MAX_BATCH_BYTES)) bytes += this.queue[n++].data.length;
      const batch = this.queue.splice(0, n);
      try {
        const stored = await this.insert(batch);
        for (const c of batch) {
          if (stored.has(key(c))) c.resolve();
          else c.reject(new TaskLostError(`task ${c.taskId}'s ${c.log} log was written by another node`));
        }
      } catch (err) {
        for (const c of batch) c.reject(err as Error);
      }
    }
    this.flushing = false;
  }

  private async insert(batch: Queued[]): Promise<Set<string>> {
    const rows = batch.map((c) => ({ task_id: c.taskId, log: c.log, start_offset: c.startOffset, data: c.data }));
    const returned = await this.knex('task_logs').insert(rows).onConflict(['task_id', 'log', 'start_offset']).ignore().returning(['task_id', 'log', 'start_offset']);
    return new Set(returned.map((r: Record<string, unknown>) => `${Number(r.task_id)}/${r.log}/${Number(r.start_offset)}`));
  }
}

const key = (c: LogChunk) => `${c.taskId}/${c.log}/${c.startOffset}`;
