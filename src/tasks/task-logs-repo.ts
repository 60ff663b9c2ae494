import type { Knex } from 'knex';
import type { TaskState } from './task';
import type { TaskLogName } from './task-log';
import type { RawRows } from '../db/row-values';

/** All SQL on `task_logs`: append-only chunks keyed by (task, log, start offset). */

const toBuffer = (v: unknown): Buffer => (Buffer.isBuffer(v) ? v : Buffer.from(v as Uint8Array));

interface ProgressRow {
  task_id: number;
  log: TaskLogName;
  state: TaskState | null;
  size: number | string | null;
}

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
    const res = await db.raw<RawRows>(
      `select start_offset + octet_length(data) as size from task_logs
        where task_id = ? and log = ? order by start_offset desc limit 1`,
      [taskId, log],
    );
    return res.rows.length ? Number(res.rows[0].size) : null;
  }

  /** Sizes of every log of a task, for a writer resuming it. */
  async sizes(taskId: number): Promise<Partial<Record<TaskLogName, number>>> {
    const res = await this.knex.raw<RawRows>(
      `select distinct on (log) log, start_offset + octet_length(data) as size from task_logs
        where task_id = ? order by log, start_offset desc`,
      [taskId],
    );
    const out: Partial<Record<TaskLogName, number>> = {};
    for (const r of res.rows) out[r.log as TaskLogName] = Number(r.size);
    return out;
  }

  /** At most `max` bytes of a log from `from`, as many as are stored contiguously from there. */
  async readAt(taskId: number, log: TaskLogName, from: number, max: number): Promise<Buffer> {
    const pieces: Buffer[] = [];
    for await (const piece of this.read(taskId, log, from, from + max)) pieces.push(piece);
    return pieces.length === 1 ? pieces[0] : Buffer.concat(pieces);
  }

  /**
   * For each (task, log): the log's size and the task's state, read in one snapshot, so that for a task
   * seen in a final state the size is its log's last (a task's last chunks commit with its final state).
   * `state` is null for a task that is gone.
   */
  async progress(
    logs: Array<{ taskId: number; log: TaskLogName }>,
  ): Promise<Array<{ taskId: number; log: TaskLogName; size: number; state: TaskState | null }>> {
    if (!logs.length) return [];
    const res = await this.knex.raw<{ rows: ProgressRow[] }>(
      `select f.task_id, f.log, t.state,
              (select l.start_offset + octet_length(l.data) from task_logs l
                where l.task_id = f.task_id and l.log = f.log order by l.start_offset desc limit 1) as size
         from unnest(?::int[], ?::text[]) as f(task_id, log) left join tasks t on t.id = f.task_id`,
      [logs.map((l) => l.taskId), logs.map((l) => l.log)],
    );
    return res.rows.map((r) => ({
      taskId: Number(r.task_id),
      log: r.log,
      size: r.size === null ? 0 : Number(r.size),
      state: r.state,
    }));
  }

  /**
   * Yields the bytes [from, to) of a log in order. The first chunk is found by one index probe
   * (the chunk starting at or before `from`) and sliced in SQL to at most the bytes asked for, so a
   * tail read costs the same for a 1 KB log and a 1 GB one, and a short range of a large chunk sends
   * only that range.
   */
  async *read(taskId: number, log: TaskLogName, from: number, to: number): AsyncGenerator<Buffer> {
    if (to <= from) return;
    const first = await this.knex.raw<RawRows>(
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
      const res = await this.knex.raw<RawRows>(
        `select start_offset, data from task_logs
          where task_id = ? and log = ? and start_offset >= ? and start_offset < ?
          order by start_offset limit ?`,
        [taskId, log, position, to, READ_BATCH],
      );
      if (!res.rows.length) return;
      for (const r of res.rows) {
        // A chunk not committed yet leaves a gap: the bytes stop there rather than run on past it.
        if (Number((r as { start_offset: number | string }).start_offset) !== position) return;
        const buf = toBuffer(r.data);
        const piece = buf.subarray(0, Math.min(buf.length, to - position));
        yield piece;
        position += piece.length;
        if (position >= to) return;
      }
    }
  }
}
