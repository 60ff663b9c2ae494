import type { Logger } from '../../logger';
import type { TaskService } from '../../tasks/task-service';

type RetentionTasks = Pick<TaskService, 'typesOverRetention' | 'retentionCutoff' | 'deleteFinishedUpTo'>;

/** Tasks deleted per statement: each is short, so retention never holds the table for long. */
export const RETENTION_BATCH = 500;

/**
 * The Director's periodic task clean-up (ScheduledTasksCleanup with `max_tasks`): the newest `keep`
 * finished tasks of each type stay, older ones go with their logs. Its cost is a probe per type (the
 * types that cannot be over `keep` are skipped from two index probes), one of `keep` index entries per
 * type over it, and a statement per RETENTION_BATCH deleted: it does not grow with the tasks it keeps.
 * Returns the count deleted per type, for the types it deleted any of.
 */
export async function applyTaskRetention(tasks: RetentionTasks, keep: number): Promise<Map<string, number>> {
  const deleted = new Map<string, number>();
  for (const type of (await tasks.typesOverRetention(keep)).sort()) {
    const cutoff = await tasks.retentionCutoff(type, keep);
    if (cutoff === null) continue;
    let n = 0;
    for (;;) {
      const batch = await tasks.deleteFinishedUpTo(type, cutoff, RETENTION_BATCH);
      n += batch;
      if (batch < RETENTION_BATCH) break;
    }
    if (n) deleted.set(type, n);
  }
  return deleted;
}

/**
 * Runs task retention on every node every `intervalMs`, one pass at a time, beside the task runner
 * (it takes no worker). Passes on several nodes at once are harmless: each skips the rows another holds.
 */
export class TaskRetentionTimer {
  private timer: NodeJS.Timeout | null = null;
  private pass: Promise<void> | null = null;

  constructor(
    private readonly tasks: RetentionTasks,
    private readonly keep: number,
    private readonly intervalMs: number,
    private readonly log: Logger,
  ) {}

  start(): void {
    if (this.timer) return;
    void this.runOnce();
    this.timer = setInterval(() => void this.runOnce(), this.intervalMs);
    this.timer.unref();
  }

  /** One pass now unless one is under way; resolves when the pass under way ends. */
  runOnce(): Promise<void> {
    this.pass ??= applyTaskRetention(this.tasks, this.keep)
      .then((deleted) => {
        if (deleted.size)
          this.log.info({ deleted: Object.fromEntries(deleted), keep: this.keep }, 'task retention deleted tasks');
      })
      .catch((err: Error) => this.log.warn({ err }, 'task retention failed; it runs again at the next interval'))
      .finally(() => (this.pass = null));
    return this.pass;
  }

  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    await this.pass;
  }
}
