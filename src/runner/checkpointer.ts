import type { Database } from '../db/database';
import { TaskCancelledError, TaskLostError } from '../errors/task-cancelled';
import type { Logger } from '../logger';
import type { TasksRepo } from '../tasks/tasks-repo';
import { timeOutStaleTasks } from './liveness';
import type { RunningTask } from './running-task';

/**
 * Keeps a node's running tasks alive in the database, and learns from the same statement which of them
 * were cancelled (or taken from this node), aborting their operations; then times out other nodes'
 * tasks they stopped checkpointing.
 */
export class Checkpointer {
  constructor(
    private readonly db: Database,
    private readonly tasks: TasksRepo,
    private readonly running: ReadonlyMap<number, RunningTask>,
    private readonly opts: { nodeId: string; timeoutSeconds: number },
    private readonly log: Logger,
  ) {}

  /** Marks this node's tasks alive, aborts those cancelled or lost, and, while `reapOthers()` holds, times out other nodes' stale tasks. */
  async checkpoint(reapOthers: () => boolean): Promise<void> {
    try {
      const asked = Date.now();
      const alive = new Map((await this.tasks.checkpoint(this.opts.nodeId)).map((t) => [t.id, t.state]));
      for (const [id, r] of this.running) {
        const state = alive.get(id);
        if (state === 'cancelling') r.controller.abort(new TaskCancelledError(id));
        else if (state === undefined && r.claimedAt < asked && !r.controller.signal.aborted) {
          // Not ours any more (another node timed it out): stop working on it.
          r.controller.abort(new TaskLostError(`task ${id} is no longer running on this node`));
        }
      }
      if (reapOthers()) await timeOutStaleTasks(this.db, this.opts.timeoutSeconds, this.log);
    } catch (err) {
      this.log.error({ err }, 'checkpoint failed');
    }
  }
}
