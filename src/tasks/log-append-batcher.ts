import type { Knex } from 'knex';
import { TaskLostError } from '../errors/task-cancelled';
import { StatementBatcher } from './statement-batcher';
import type { TaskLogName } from './task-log';

export interface LogChunk {
  taskId: number;
  log: TaskLogName;
  startOffset: number;
  data: Buffer;
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
  private readonly batcher: StatementBatcher<LogChunk, void>;

  /** `stored`: told of each chunk once it is stored (the node's count of log bytes written). */
  constructor(
    knex: Knex,
    private readonly stored?: (chunk: LogChunk) => void,
  ) {
    this.batcher = new StatementBatcher((chunks) => insertChunks(knex, chunks), {
      maxBatch: Infinity,
      maxWeight: MAX_BATCH_BYTES,
      weigh: (c) => c.data.length,
    });
  }

  async append(chunk: LogChunk): Promise<void> {
    await this.batcher.submit(chunk);
    this.stored?.(chunk);
  }
}

/** Inserts the chunks not stored yet; each chunk's answer says whether it was this insert that stored it. */
async function insertChunks(knex: Knex, chunks: LogChunk[]): Promise<Array<void | Error>> {
  const rows = chunks.map((c) => ({ task_id: c.taskId, log: c.log, start_offset: c.startOffset, data: c.data }));
  const returned = await knex('task_logs')
    .insert(rows)
    .onConflict(['task_id', 'log', 'start_offset'])
    .ignore()
    .returning(['task_id', 'log', 'start_offset']);
  const stored = new Set(
    returned.map((r: Record<string, unknown>) => `${Number(r.task_id)}/${String(r.log)}/${Number(r.start_offset)}`),
  );
  return chunks.map((c) =>
    stored.has(`${c.taskId}/${c.log}/${c.startOffset}`)
      ? undefined
      : new TaskLostError(`task ${c.taskId}'s ${c.log} log was written by another node`),
  );
}
