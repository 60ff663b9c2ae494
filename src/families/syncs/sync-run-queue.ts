import type { Knex } from 'knex';
import type { Database } from '../../db/database';
import type { Task } from '../../tasks/task';
import type { TaskService } from '../../tasks/task-service';
import type { SyncRunsRepo } from './sync-runs-repo';
import { SYNC_INSPECT_TYPE, SYNC_RUN_TYPE, SyncTaskConfig, syncQueue } from './sync-task';
import type { SyncTasksRepo } from './sync-tasks-repo';

/** Why a run is started: a request (`now`), a watched change (`change`), or a scheduler job config (`scheduler`). */
export type RunTrigger = 'now' | 'change' | 'scheduler';

/** Thrown inside a run's transaction when another node took the change first: nothing is stored. */
class ChangeTaken extends Error {}

/**
 * Queues the Director tasks of sync runs. Every run of a task is in the task's serial queue, and is
 * stored (as a sync run, CTS's event) in the transaction that stores its task.
 */
export class SyncRunQueue {
  constructor(
    private readonly db: Database,
    private readonly tasks: TaskService,
    private readonly repo: SyncTasksRepo,
    private readonly runs: SyncRunsRepo,
  ) {}

  /**
   * A run started by a request or a scheduler: it covers whatever was pending. `withRows` stores more
   * of the caller's rows in the same transaction (the task itself, for POST ?run=now).
   */
  start(
    name: string,
    username: string,
    trigger: RunTrigger,
    withRows?: (trx: Knex.Transaction, task: Task) => Promise<void>,
  ): Promise<Task> {
    const run = this.planned(name, username, trigger);
    return this.tasks.enqueue(run.task, async (trx, task) => {
      await withRows?.(trx, task);
      await run.withRows(trx, task);
    });
  }

  /** A run's task and the rows stored with it (the run, the pending changes it covers), for the caller to queue. */
  planned(name: string, username: string, trigger: RunTrigger, pinnedNodeId: string | null = null) {
    return {
      task: { ...this.runTask(name, username, trigger), pinnedNodeId },
      withRows: async (trx: Knex.Transaction, task: Task) => {
        await this.repo.clearPending(name, trx);
        await this.runs.insert(trx, name, task.id, trigger);
      },
    };
  }

  /**
   * Starts the run of a due change, unless another node has (the claim is in the task's transaction:
   * if it finds nothing pending, the task is not stored). Null when there was nothing to start.
   */
  async startDue(name: string, username: string): Promise<Task | null> {
    if (await this.repo.foldIntoQueuedRun(name)) return null;
    try {
      return await this.tasks.enqueue(this.runTask(name, username, 'change'), async (trx, task) => {
        if (!(await this.repo.claimDue(trx, name, task.id))) throw new ChangeTaken();
        await this.runs.insert(trx, name, task.id, 'change');
      });
    } catch (err) {
      if (err instanceof ChangeTaken) return null;
      throw err;
    }
  }

  /** A plan of a proposed task configuration, as a task of its own in the task's queue (it reads the task's state). */
  inspect(config: SyncTaskConfig, username: string): Promise<Task> {
    return this.tasks.enqueue({
      type: SYNC_INSPECT_TYPE,
      description: `sync task ${config.name}: inspect`,
      username,
      params: { task: config },
      queueName: syncQueue(config.name),
    });
  }

  /** Resolves once the task has ended (woken by its finished signal, polling as a fallback). */
  async waitForEnd(id: number, timeoutMs = 10 * 60_000): Promise<Task | null> {
    const deadline = Date.now() + timeoutMs;
    let wake: () => void = () => undefined;
    const unsubscribe = this.db.notifier.subscribe((s) => {
      if (s.kind === 'finished' && s.id === id) wake();
    });
    try {
      for (;;) {
        const t = await this.tasks.get(id);
        if (!t || ['done', 'error', 'cancelled', 'timeout'].includes(t.state)) return t;
        if (Date.now() > deadline) return t;
        await new Promise<void>((resolve) => {
          const timer = setTimeout(resolve, 250);
          wake = () => {
            clearTimeout(timer);
            resolve();
          };
        });
      }
    } finally {
      unsubscribe();
    }
  }

  private runTask(name: string, username: string, trigger: RunTrigger) {
    return {
      type: SYNC_RUN_TYPE,
      description: `sync task ${name}: run (${trigger})`,
      username,
      params: { sync_task: name, trigger },
      queueName: syncQueue(name),
    };
  }
}
