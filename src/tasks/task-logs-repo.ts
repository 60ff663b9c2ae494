import type { Knex } from 'knex';
import type { TaskLogName } from './task-log';

/** All SQL on `task_logs`: append-only chunks keyed by (task, log, start offset). */

const toBuffer = (v: unknown): Buffer => (Buffer.isBuffer(v) ? v : Buffer.from(v as Uint8Array));

/** Rows fetched per round trip while streaming a log. */
const READ_BATCH = 16;

export class TaskLogsRepo {
  constructor(private readonly knex: Knex) {}

  async append(
    db: Knex | Knex.Transaction,
    taskId: number,
    log: TaskLogName,
    startOffset: number,
    data: Buffer,
  ): Promise<void> {
    await db('task_logs').insert({ task_id: taskId, log, start_offset: startOffset, data });
  }

  /** Appends `data` at the current end of a log, in `trx` (which holds the task's row, so no one else appends). */
  async appendAtEnd(trx: Knex.Transaction, taskId: number, log: TaskLogName, data: Buffer | string): Promise<void> {
    const size = (await this.size(taskId, log, trx)) ?? 0;
    await this.append(trx, taskId, log, size, typeof data === 'string' ? Buffer.from(data, 'utf8') : data);
  }

  /** Size in bytes of one log: one index probe, whatever the log's size. */
  async size(taskId: number, log: TaskLogName, db: Knex | Knex.Transaction = this.knex): Promise<number | null> {
    const res = await db.raw(
      `select start_offset + octet_length(data) as size from task_logs
        where task_id = ? and log = ? order by start_offset desc limit 1`,
      [taskId, log],
    );
    return res.rows.length ? Number(res.rows[0].size) : null;
  }

  /** Sizes of every log of a task, for a writer resuming it. */
  async sizes(taskId: number): Promise<Partial<Record<TaskLogName, number>>> {
    const res = await this.knex.raw(
      `select distinct on (log) log, start_offset + octet_length(data) as size from task_logs
        where task_id = ? order by log, start_offset desc`,
      [taskId],
    );
    const out: Partial<Record<TaskLogName, number>> = {};
    for (const r of res.rows) out[r.log as TaskLogName] = Number(r.size);
    return out;
  }

  /**
   * Yields the bytes [from, to) of a log in order. The first chunk is found by one index probe
   * (the chunk starting at or before `from`) and sliced in SQL to at most the bytes asked for, so a
   * tail read costs the same for a 1 KB log and a 1 GB one, and a short range of a large chunk sends
   * only that range.
   */
  async *read(taskId: number, log: TaskLogName, from: number, to: number): AsyncGenerator<Buffer> {
    if (to <= from) return;
    const first = await this.knex.raw(
      `select start_offset, substring(data from (? - start_offset + 1)::int for ?::int) as data from task_logs
        where task_id = ? and log = ? and start_offset <= ?
        order by start_offset desc limit 1`,
      [from, Math.min(to - from, 2 ** 31 - 1), taskId, log, from],
    );
    let position = from;
    if (first.rows.length) {
      const buf = toBuffer(first.rows[0].data);
      const piece = buf.subarray(0, Math.min(buf.length, to - position));
      if (piece.length) yield piece;
      position += piece.length;
    }
    while (position < to) {
      const res = await this.knex.raw(
        `select start_offset, data from task_logs
          where task_id = ? and log = ? and start_offset >= ? and start_offset < ?
          order by start_offset limit ?`,
        [taskId, log, position, to, READ_BATCH],
      );
      if (!res.rows.length) return;
      for (const r of res.rows) {
        const buf = toBuffer(r.data);
        const piece = buf.subarray(0, Math.min(buf.length, to - position));
        yield piece;
        position += piece.length;
        if (position >= to) return;
      }
    }
  }
}
