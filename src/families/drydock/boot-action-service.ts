import crypto from 'node:crypto';
import type { Knex } from 'knex';
import { z } from 'zod';
import type { Notifier } from '../../db/notifier';
import type { Logger } from '../../logger';
import type { TaskService } from '../../tasks/task-service';
import { EventLog } from '../../tasks/event-log';
import { DrydockError } from './drydock-errors';
import type { BootActionRecord, BootActionsRepo } from './boot-actions-repo';
import type { DrydockTasksRepo } from './drydock-tasks-repo';
import type { ReportLine, ReportLinesRepo } from './report-lines-repo';

/** Drydock's boot-action report schema (control/bootaction.py): extra fields of a detail are kept. */
const reportSchema = z
  .object({
    status: z.enum(['Failure', 'Success', 'failure', 'success']).optional(),
    details: z
      .array(z.object({ message: z.string().max(65_536), error: z.boolean() }).passthrough())
      .max(1000)
      .optional(),
  })
  .strict();

export type BootActionReport = z.infer<typeof reportSchema>;

/** How often a running deploy looks for reports that reached other nodes. */
const PICKUP_INTERVAL_MS = 1000;

/** How often a node tries again to log reports it left waiting for their task's end. */
const RETRY_INTERVAL_MS = 5000;

/** Where a running deploy writes its reports' event lines (its own event log). */
export type LineWriter = (lines: ReportLine[]) => Promise<void>;

/** The key check of Drydock's `check_auth`: missing 401, anything but the node's key 403. */
export function checkBootActionKey(stored: string, given: string | undefined): void {
  if (!given) throw new DrydockError(401, 'No X-Bootaction-Key');
  const ok =
    /^[0-9a-f]+$/i.test(given) &&
    given.length === stored.length &&
    crypto.timingSafeEqual(Buffer.from(given.toLowerCase()), Buffer.from(stored.toLowerCase()));
  if (!ok) throw new DrydockError(403, 'Invalid X-Bootaction-Key');
}

/**
 * Boot-action reports, from the HTTP API or from a node's channel during a deploy: each detail becomes
 * a status message of the deploy_node subtask that owns the boot action (context_type `bootaction`,
 * context the action id), and a line of its Director task's event log; a `status` closes the action.
 *
 * A report may reach any node, and a task's event log has one writer while the task runs (the runner's,
 * which keeps the log's end in memory). So a report stores its lines in `drydock_report_lines`, in
 * the transaction of its messages, and the lines are taken from there into the log: by the running
 * deploy (it looks every second, and at once for a report reaching its own node; and a last time after
 * its subtasks, before the task ends), or, once the task has ended, by whoever holds the task's row
 * (the node the report reached, as soon as the task's end is signalled; and any node at its start).
 */
export class BootActionService {
  private readonly pickups = new Map<number, RunningPickup>();
  /** Tasks this node stored report lines of while they ran elsewhere: logged here once they have ended. */
  private readonly awaiting = new Set<number>();
  private stopSignals: (() => void) | null = null;
  private retryTimer: NodeJS.Timeout | null = null;

  constructor(
    private readonly knex: Knex,
    private readonly bootActions: BootActionsRepo,
    private readonly drydockTasks: DrydockTasksRepo,
    private readonly lines: ReportLinesRepo,
    private readonly tasks: TaskService,
    private readonly notifier: Notifier,
    private readonly log: Logger,
  ) {}

  /** Listens for the ends of tasks, and logs the lines left waiting by tasks that ended while no node listened. */
  async start(): Promise<void> {
    this.stopSignals = this.notifier.subscribe((s) => {
      if (s.kind === 'finished' && this.awaiting.has(s.id)) void this.logIfEnded(s.id);
    });
    this.retryTimer = setInterval(() => {
      for (const id of this.awaiting) void this.logIfEnded(id);
    }, RETRY_INTERVAL_MS).unref();
    for (const id of await this.lines.tasksWaiting()) {
      if (!this.pickups.has(id)) await this.logIfEnded(id);
    }
  }

  stop(): Promise<void> {
    this.stopSignals?.();
    this.stopSignals = null;
    if (this.retryTimer) clearInterval(this.retryTimer);
    this.retryTimer = null;
    return Promise.resolve();
  }

  /**
   * A running deploy (its Director task `directorTaskId`, running on this node) takes its reports' lines
   * into its event log through `write` until it closes the pickup; closing takes the last ones.
   */
  pickUp(directorTaskId: number, write: LineWriter): RunningPickup {
    const pickup = new RunningPickup(
      () => this.lines.take(directorTaskId),
      write,
      () => this.pickups.delete(directorTaskId),
      this.log,
    );
    this.pickups.set(directorTaskId, pickup);
    return pickup;
  }

  async report(
    actionId: string,
    key: string | undefined,
    body: unknown,
  ): Promise<Omit<BootActionRecord, 'identityKey' | 'createdAt'>> {
    const found = await this.bootActions.find(actionId);
    if (!found) throw new DrydockError(404, `Boot action ${actionId} not found`);
    checkBootActionKey(found.identityKey, key);
    const parsed = reportSchema.safeParse(body);
    if (!parsed.success) throw new DrydockError(400, 'Error processing body.');
    const report = parsed.data;
    const directorTaskId = await this.directorTaskOf(found.taskId);
    const updated = await this.knex.transaction(async (trx) => {
      const row = (await this.bootActions.lockForUpdate(trx, actionId))!;
      if (row.actionStatus.toLowerCase() !== 'incomplete')
        throw new DrydockError(409, `Action ${row.actionId} status finalized, not available for update.`);
      for (const d of report.details ?? []) {
        const { message, error, ...extra } = d;
        await this.drydockTasks.addMessage(
          row.taskId,
          { message, error, contextType: 'bootaction', context: row.actionId, extra },
          trx,
        );
      }
      if (report.status) await this.bootActions.setStatus(trx, row.actionId, report.status.toLowerCase());
      const lines: ReportLine[] = (report.details ?? []).map((d) => ({
        node: row.nodeName,
        action: row.actionName,
        message: d.message,
        error: d.error,
      }));
      if (report.status)
        lines.push({
          node: row.nodeName,
          action: row.actionName,
          message: `status ${report.status.toLowerCase()}`,
          error: report.status.toLowerCase() === 'failure',
        });
      if (directorTaskId !== null) await this.lines.insert(trx, directorTaskId, lines);
      return { ...row, actionStatus: report.status?.toLowerCase() ?? row.actionStatus };
    });
    if (directorTaskId !== null && (report.details?.length || report.status)) await this.deliver(directorTaskId);
    const { identityKey: _k, createdAt: _c, ...answer } = updated;
    return answer;
  }

  /** The Director task of the deploy that owns a subtask (its parent's). */
  private async directorTaskOf(subtaskId: string): Promise<number | null> {
    const subtask = await this.drydockTasks.find(subtaskId);
    const parent = subtask?.parentTaskId ? await this.drydockTasks.find(subtask.parentTaskId) : subtask;
    return parent?.directorTaskId ?? null;
  }

  /**
   * Stored lines go to the running deploy when it runs here, at once; to the task's event log when the
   * task has ended. Otherwise the task runs on another node (which picks them up), or is about to end
   * here or there: this node logs what is left once the task's end is signalled (or at its retry).
   */
  private async deliver(directorTaskId: number): Promise<void> {
    const pickup = this.pickups.get(directorTaskId);
    if (pickup?.nudge()) return pickup.settled();
    await this.logIfEnded(directorTaskId);
  }

  private async logIfEnded(directorTaskId: number): Promise<void> {
    this.awaiting.add(directorTaskId);
    try {
      const outcome = await this.tasks.appendToFinished(directorTaskId, 'event', async (trx) =>
        eventLines(await this.lines.take(directorTaskId, trx)),
      );
      if (outcome !== 'unfinished') this.awaiting.delete(directorTaskId);
    } catch (err) {
      this.log.warn({ err, taskId: directorTaskId }, 'boot-action report lines not logged yet');
    }
  }
}

/** Report lines as a finished task's event lines: a stage of their own after the task's. */
async function eventLines(lines: ReportLine[]): Promise<string> {
  let out = '';
  const events = new EventLog({
    write: (d) => {
      out += d;
      return Promise.resolve();
    },
  });
  const stage = events.beginStage('Boot action reports', null);
  for (const l of lines) {
    const step = await stage.start(`${l.node}/${l.action}: ${l.message}`);
    if (l.error) await step.fail(l.message);
    else await step.finish();
  }
  return out;
}

/**
 * A running deploy's pickup of its reports' lines: every second, when nudged, and a last time when
 * closed. One take at a time, so lines are written in the order they were stored.
 */
export class RunningPickup {
  private busy: Promise<void> = Promise.resolve();
  /** Takes asked for and not done. */
  private waiting = 0;
  private closed = false;
  private readonly timer: NodeJS.Timeout;

  constructor(
    private readonly take: () => Promise<ReportLine[]>,
    private readonly write: LineWriter,
    private readonly unregister: () => void,
    private readonly log: Logger,
  ) {
    this.timer = setInterval(() => {
      if (!this.waiting) this.nudge();
    }, PICKUP_INTERVAL_MS).unref();
  }

  /** Takes the waiting lines after the takes already asked for; false once closed (the caller logs them some other way). */
  nudge(): boolean {
    if (this.closed) return false;
    this.enqueueTake();
    return true;
  }

  /** Stops looking, then takes what is left (a report stored after this is logged once the task ends). */
  async close(): Promise<void> {
    this.closed = true;
    clearInterval(this.timer);
    this.unregister();
    this.enqueueTake();
    await this.busy;
  }

  /** Resolves once every take asked for so far is written. */
  settled(): Promise<void> {
    return this.busy;
  }

  private enqueueTake(): void {
    this.waiting++;
    this.busy = this.busy.then(async () => {
      try {
        const lines = await this.take();
        if (lines.length) await this.write(lines);
      } catch (err) {
        this.log.warn({ err }, 'boot-action report lines not picked up');
      } finally {
        this.waiting--;
      }
    });
  }
}
