import crypto from 'node:crypto';
import type { Knex } from 'knex';
import { CannotSchedule, ScheduledOperation, ScheduledTask } from '../family';
import type { Database } from '../../db/database';
import type { Logger } from '../../logger';
import type { TaskService } from '../../tasks/task-service';
import type { JobConfigsRepo } from './job-configs-repo';
import { JobRunsRepo, NewRun, pinnedNode } from './job-runs-repo';
import { plannerAt } from './fire-plan';

export interface FiringOptions {
  nodeId: string;
  /** The longest a node sleeps between looks at the schedule (NOTIFY and its timer wake it sooner). */
  pollMs: number;
  /** Configs fired per transaction. */
  batch: number;
  /** A run stored without its task for this long was left by a node that stopped; another starts it. */
  orphanAfterMs: number;
  /** A tick already this late when the node woke for it counts as missed (the config's misfire policy decides). */
  misfireGraceMs: number;
}

/**
 * One node's scheduler. It wakes at the earliest next run of the configs it may fire, on a config
 * change (NOTIFY), or after `pollMs`. A pass takes the due configs in batches, each in one transaction:
 * it locks the batch (`for update skip locked`), stores the runs' tasks in one statement and one run per
 * due tick (unique per config and tick) with its task in another, moves each config's next run on, and
 * commits. Every tick thus gets one run and every run one task, whichever nodes wake for it and
 * whichever of them dies in between. A run stored without its task (its operation could not queue it
 * then, or the batch was fired in two steps) is given one by a later pass of a node that may run it.
 */
export class FiringLoop {
  private timer: NodeJS.Timeout | null = null;
  private running: Promise<void> | null = null;
  private again = false;
  private stopped = true;
  private unsubscribe: (() => void) | null = null;

  constructor(
    private readonly db: Database,
    private readonly tasks: TaskService,
    private readonly configs: JobConfigsRepo,
    private readonly runs: JobRunsRepo,
    private readonly operation: (name: string) => ScheduledOperation | undefined,
    private readonly opts: FiringOptions,
    private readonly log: Logger,
  ) {}

  start(): void {
    this.stopped = false;
    this.unsubscribe = this.db.notifier.subscribe((s) => {
      if (s.kind === 'schedule') this.wake();
    });
    this.wake();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.unsubscribe?.();
    if (this.timer) clearTimeout(this.timer);
    await this.running;
  }

  /** Runs a pass now, or right after the one in progress. */
  wake(): void {
    if (this.stopped) return;
    if (this.running) {
      this.again = true;
      return;
    }
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    this.running = this.pass()
      .catch((err) => this.log.warn({ err }, 'scheduler pass failed; retrying at the next wake-up'))
      .then(() => this.armTimer())
      .finally(() => {
        this.running = null;
        if (this.again) {
          this.again = false;
          this.wake();
        }
      });
  }

  private async armTimer(): Promise<void> {
    if (this.stopped) return;
    let delay = this.opts.pollMs;
    try {
      const earliest = await this.configs.earliestDue(this.opts.nodeId);
      if (earliest) delay = Math.min(delay, Math.max(0, earliest.getTime() - Date.now()));
    } catch (err) {
      this.log.warn({ err }, 'scheduler could not read its next due time');
    }
    if (this.stopped) return;
    this.timer = setTimeout(() => this.wake(), delay);
    this.timer.unref();
  }

  private async pass(): Promise<void> {
    // Lateness is judged from when the node woke: a long pass (a backlog of configs due on one tick)
    // does not turn the ticks it reaches last into missed ones.
    const wokeAt = new Date();
    while (!this.stopped && (await this.fireBatch(new Date(), wokeAt)) === this.opts.batch);
    if (!this.stopped) await this.startOrphans();
  }

  /**
   * Fires what is due in one transaction with the runs' tasks (`fireWithTasks`); returns how many configs
   * were due. When that transaction fails (a family's rows for one task, say), the batch is fired again
   * as two steps: its runs are stored, then given their tasks (`startRuns`), so that one run's failure is
   * its own.
   */
  private async fireBatch(now: Date, wokeAt: Date): Promise<number> {
    const plan = plannerAt(now, wokeAt, this.opts.misfireGraceMs);
    try {
      return await this.fireWithTasks(now, plan);
    } catch (err) {
      this.log.warn({ err }, 'could not fire a batch with its tasks; storing its runs first');
    }
    let due = 0;
    const stored = await this.db.knex.transaction(async (trx) => {
      const taken = await this.takeDue(trx, now, plan);
      due = taken.due;
      const runs = await this.runs.insert(trx, taken.fired);
      await this.configs.advance(trx, taken.next);
      return runs.filter((r) => r.status === null);
    });
    await this.startRuns(stored);
    return due;
  }

  /**
   * In one transaction: locks a batch of due configs, stores their tasks in one statement, their runs
   * (each with its task) in another, the families' rows for the tasks, and the configs' next runs.
   */
  private async fireWithTasks(now: Date, plan: ReturnType<typeof plannerAt>): Promise<number> {
    return this.tasks.enqueueBatch(async (trx, enqueue) => {
      const { due, fired, next } = await this.takeDue(trx, now, plan);
      if (!due) return 0;
      const { planned, failed } = await this.planTasks(fired.filter((r) => r.status === null));
      for (const f of failed) Object.assign(f.run, { status: 'failed', error: f.error });
      const tasks = await enqueue(planned.map((p) => p.task.task));
      planned.forEach((p, i) => (p.run.taskId = tasks[i].id));
      const stored = await this.runs.insert(trx, fired);
      // The configs are locked, so no other node stores these ticks now; one stored earlier (the unique
      // index left a run out) would leave its new task without a run: undo the batch.
      if (stored.filter((r) => r.taskId !== undefined).length !== planned.length)
        throw new Error('a tick of the batch was already stored');
      for (const [i, p] of planned.entries()) await p.task.withRows?.(trx, tasks[i]);
      await this.configs.advance(trx, next);
      return due;
    });
  }

  /** Locks up to a batch of due configs this node may fire; their runs (skipped while busy) and next runs. */
  private async takeDue(trx: Knex.Transaction, now: Date, plan: ReturnType<typeof plannerAt>) {
    const configs = await this.configs.lockDue(trx, this.opts.nodeId, now, this.opts.batch);
    const busy = await this.runs.busyConfigs(
      trx,
      configs.filter((c) => !c.allowOverlap).map((c) => c.id),
    );
    const fired: NewRun[] = [];
    const next: Array<{ id: string; at: Date | null }> = [];
    for (const c of configs) {
      const { fireAt, next: at } = plan(c);
      next.push({ id: c.id, at });
      if (!fireAt) continue;
      fired.push({
        id: crypto.randomUUID(),
        configId: c.id,
        fireAt,
        trigger: 'schedule',
        status: busy.has(c.id) ? 'skipped' : null,
        name: c.name,
        description: c.description,
        operation: c.operation,
        params: c.params,
        username: c.createdBy,
        nodeId: this.opts.nodeId,
        pinnedNodeId: pinnedNode(c.runOn),
      });
    }
    return { due: configs.length, fired, next };
  }

  /**
   * Each run's task, as its operation describes it. A run whose operation is gone, whose params no
   * longer hold, or whose operation refuses it (CannotSchedule) fails; one whose operation threw anything
   * else is left out, without a task, and tried again by a later pass.
   */
  private async planTasks(runs: NewRun[]) {
    const planned: Array<{ run: NewRun; task: ScheduledTask }> = [];
    const failed: Array<{ run: NewRun; error: string }> = [];
    for (const run of runs) {
      const op = this.operation(run.operation);
      if (!op) {
        failed.push({ run, error: `operation '${run.operation}' is not schedulable` });
        continue;
      }
      const parsed = op.params.safeParse(run.params);
      if (!parsed.success) {
        const why = parsed.error.issues[0]?.message ?? 'invalid';
        failed.push({ run, error: `job_config_params no longer valid: ${why}` });
        continue;
      }
      try {
        planned.push({
          run,
          task: await op.plan(parsed.data, { username: run.username, pinnedNodeId: run.pinnedNodeId }),
        });
      } catch (err) {
        if (err instanceof CannotSchedule) failed.push({ run, error: err.message });
        else this.log.warn({ err, run: run.id }, 'could not queue a scheduled run; it is retried');
      }
    }
    return { planned, failed };
  }

  /**
   * Queues the tasks of stored runs together (`startTogether`). When that fails, each run is tried on
   * its own; a run whose task cannot be queued stays without one and is tried again by a later pass.
   */
  private async startRuns(runs: NewRun[]): Promise<void> {
    if (!runs.length) return;
    try {
      await this.startTogether(runs);
    } catch (err) {
      if (runs.length === 1) {
        this.log.warn({ err, run: runs[0].id }, 'could not queue a scheduled run; it is retried');
        return;
      }
      for (const run of runs) await this.startRuns([run]);
    }
  }

  /**
   * Plans each stored run's task, then in one transaction locks the runs still without a task (another
   * node may have just queued one for a run it found orphaned), stores their tasks in one statement,
   * links each run to its task in another, and stores the families' rows for the tasks.
   */
  private async startTogether(runs: NewRun[]): Promise<void> {
    const { planned, failed } = await this.planTasks(runs);
    for (const f of failed) await this.runs.fail(f.run.id, f.error);
    if (!planned.length) return;
    await this.tasks.enqueueBatch(async (trx, enqueue) => {
      const unstarted = await this.runs.lockUnstarted(
        trx,
        planned.map((p) => p.run.id),
      );
      const mine = planned.filter((p) => unstarted.has(p.run.id));
      const tasks = await enqueue(mine.map((p) => p.task.task));
      await this.runs.link(
        trx,
        mine.map((p, i) => ({ runId: p.run.id, taskId: tasks[i].id })),
      );
      for (const [i, p] of mine.entries()) await p.task.withRows?.(trx, tasks[i]);
    });
  }

  /** Starts runs another node stored and did not queue (it died in between), when this node may run them. */
  private async startOrphans(): Promise<void> {
    const orphans = await this.runs.unattached(this.opts.orphanAfterMs, this.opts.batch);
    // A run pinned to another node is left to that node, which queues it when it is back.
    const mine = orphans.filter(
      (run) => run.nodeId === this.opts.nodeId || !run.pinnedNodeId || run.pinnedNodeId === this.opts.nodeId,
    );
    await this.startRuns(mine);
  }
}
