import type { Logger } from '../../logger';
import type { Database } from '../../db/database';
import { nextTick } from '../../cron/cron-schedule';
import type { SyncRunQueue } from './sync-run-queue';
import type { SyncRunsRepo } from './sync-runs-repo';
import type { SyncTasksRepo, WatchState } from './sync-tasks-repo';
import type { WatchedData } from './watched-data';

export interface WatcherOptions {
  intervalMs: number;
  /** Due changes started per pass. */
  batch: number;
}

/**
 * Every node's watch over the sync tasks, one pass every `intervalMs` (sooner when a run ends):
 *  1. compares each task's watched data with what was last seen, recording a change (exactly once across
 *     the nodes: a conditional update) and schedule ticks likewise;
 *  2. starts the runs of due changes (the claim is in the run's transaction, so one node starts each);
 *  3. ends the events of runs whose node died, leaving their change pending for another run;
 *  4. deletes the tasks marked for deletion whose last run has ended.
 * All that is shared lives in the database, so a change seen by a node that then dies is run by another.
 */
export class SyncWatcher {
  private timer: NodeJS.Timeout | null = null;
  private running: Promise<void> | null = null;
  private stopped = true;
  private again = false;
  private unsubscribe: (() => void) | null = null;

  constructor(
    private readonly db: Database,
    private readonly repo: SyncTasksRepo,
    private readonly runs: SyncRunsRepo,
    private readonly watched: WatchedData,
    private readonly queue: SyncRunQueue,
    private readonly opts: WatcherOptions,
    private readonly log: Logger,
  ) {}

  start(): void {
    this.stopped = false;
    // A run that ended may free its task's next run (a change seen meanwhile) or its deletion.
    this.unsubscribe = this.db.notifier.subscribe((s) => {
      if (s.kind === 'finished' && s.queue?.startsWith('sync:')) this.wake();
    });
    this.schedule(0);
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.unsubscribe?.();
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    await this.running;
  }

  /** A pass now (or right after the current one). */
  wake(): void {
    if (this.stopped) return;
    if (this.running) this.again = true;
    else this.schedule(0);
  }

  private schedule(ms: number): void {
    if (this.stopped) return;
    if (this.timer) clearTimeout(this.timer);
    this.timer = setTimeout(() => {
      this.timer = null;
      this.running = this.pass()
        .catch((err) => this.log.warn({ err }, 'sync watch pass failed'))
        .finally(() => {
          this.running = null;
          const soon = this.again;
          this.again = false;
          this.schedule(soon ? 0 : this.opts.intervalMs);
        });
    }, ms);
    this.timer.unref?.();
  }

  /** One pass over every task (exported for the bench and specs through `wake`). */
  async pass(): Promise<void> {
    const watched = await this.repo.watched();
    // Nothing else to do on a node without sync tasks (an idle daemon stays quiet).
    if (!watched.length && !(await this.runs.anyUnended())) return;
    for (const w of watched.filter((t) => !t.deleting)) {
      if (this.stopped) return;
      await this.look(w).catch((err) => this.log.warn({ err, syncTask: w.name }, 'watching a sync task failed'));
    }
    for (const { name, createdBy } of await this.repo.due(this.opts.batch)) {
      const task = await this.queue.startDue(name, createdBy);
      if (task) this.log.info({ syncTask: name, taskId: task.id }, 'sync task changed: run queued');
    }
    for (const run of await this.runs.endedByTheirTask()) {
      await this.runs.finish(run.taskId!, false, run.error ?? 'the run ended without finishing');
      // Its node died before the change was applied: the change stays, for another run. (A run
      // cancelled by a person is not retried.)
      if (run.taskState === 'timeout') await this.repo.setPending(run.syncTask);
    }
    for (const t of watched.filter((w) => w.deleting)) await this.repo.deleteIfIdle(t.name);
  }

  private async look(w: WatchState): Promise<void> {
    if (w.kind === 'schedule') {
      if (!w.nextTickAt || w.nextTickAt.getTime() > Date.now()) return;
      const cron = 'schedule' in w.condition ? w.condition.schedule.cron : null;
      const next = cron ? nextTick({ runAt: cron, timeZone: null, startDate: null, endDate: null }, new Date()) : null;
      await this.repo.recordTick(w.name, w.nextTickAt, next);
      return;
    }
    const seen = await this.watched.observe(w.condition, w.seenFingerprint);
    if (!seen || seen === 'unchanged') return;
    if (await this.repo.recordSeen(w.name, w.seenFingerprint, seen.fingerprint, seen.hash)) {
      if (seen.hash !== w.seenHash) this.log.debug({ syncTask: w.name }, 'watched data changed');
    }
  }
}
