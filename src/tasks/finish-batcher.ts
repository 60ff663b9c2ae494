import type { Knex } from 'knex';
import type { TaskEnd, TasksRepo } from './tasks-repo';

interface Queued {
  end: TaskEnd;
  resolve: (ended: boolean) => void;
  reject: (err: Error) => void;
}

/** Ends at most this many tasks in one statement. */
const MAX_BATCH = 64;

/**
 * Ends a node's tasks sharing commits: tasks that end while a statement is in flight end together in
 * the next one. Each caller learns whether its task was still the node's to end. When a batch's
 * statement fails, its tasks are ended one by one, so one task's failure is its own.
 */
export class FinishBatcher {
  private queue: Queued[] = [];
  private flushing = false;

  constructor(
    private readonly knex: Knex,
    private readonly tasks: TasksRepo,
    private readonly nodeId: string,
    private readonly notifyInSql: boolean,
  ) {}

  finish(end: TaskEnd): Promise<boolean> {
    const done = new Promise<boolean>((resolve, reject) => this.queue.push({ end, resolve, reject }));
    if (!this.flushing) void this.drain();
    return done;
  }

  private async drain(): Promise<void> {
    this.flushing = true;
    while (this.queue.length) {
      const batch = this.queue.splice(0, MAX_BATCH);
      try {
        const ended = await this.tasks.finishMany(this.knex, this.nodeId, batch.map((q) => q.end), this.notifyInSql);
        for (const q of batch) q.resolve(ended.has(q.end.id));
      } catch (err) {
        if (batch.length === 1) {
          batch[0].reject(err as Error);
          continue;
        }
        for (const q of batch) {
          await this.tasks.finishMany(this.knex, this.nodeId, [q.end], this.notifyInSql).then(
            (ended) => q.resolve(ended.has(q.end.id)),
            (e: Error) => q.reject(e),
          );
        }
      }
    }
    this.flushing = false;
  }
}
