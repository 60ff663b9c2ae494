import crypto from 'node:crypto';
import type { Knex } from 'knex';
import { z } from 'zod';
import { isTerminal } from './terminal';
import type { TaskService } from '../../tasks/task-service';
import { EventLog } from '../../tasks/event-log';
import { DrydockError } from './drydock-errors';
import type { BootActionRecord, BootActionsRepo } from './boot-actions-repo';
import type { DrydockTasksRepo } from './drydock-tasks-repo';

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

/** Where a running deploy writes the event lines of its nodes' reports (its own event log). */
export type ReportListener = (entry: { node: string; action: string; message: string; error: boolean }) => void;

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
 */
export class BootActionService {
  private readonly listeners = new Map<string, ReportListener>();

  constructor(
    private readonly knex: Knex,
    private readonly bootActions: BootActionsRepo,
    private readonly drydockTasks: DrydockTasksRepo,
    private readonly tasks: TaskService,
  ) {}

  /** A running deploy takes the event lines of its subtasks' reports (keyed by its own task id). */
  listen(parentTaskId: string, listener: ReportListener): () => void {
    this.listeners.set(parentTaskId, listener);
    return () => this.listeners.delete(parentTaskId);
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
      return { ...row, actionStatus: report.status?.toLowerCase() ?? row.actionStatus };
    });
    const lines = (report.details ?? []).map((d) => ({
      node: updated.nodeName,
      action: updated.actionName,
      message: d.message,
      error: d.error,
    }));
    if (report.status)
      lines.push({
        node: updated.nodeName,
        action: updated.actionName,
        message: `status ${report.status.toLowerCase()}`,
        error: report.status.toLowerCase() === 'failure',
      });
    await this.log(updated.taskId, lines);
    const { identityKey: _k, createdAt: _c, ...answer } = updated;
    return answer;
  }

  /**
   * The event lines go to the running deploy when it runs here; to the Director task's event log
   * when that task is over (nobody else writes it then); a report reaching another node while the
   * deploy runs is kept as a status message only (two writers of one log would collide).
   */
  private async log(subtaskId: string, lines: Array<Parameters<ReportListener>[0]>): Promise<void> {
    if (!lines.length) return;
    const subtask = await this.drydockTasks.find(subtaskId);
    const parentId = subtask?.parentTaskId ?? subtaskId;
    const listener = this.listeners.get(parentId);
    if (listener) {
      for (const l of lines) listener(l);
      return;
    }
    const parent = await this.drydockTasks.find(parentId);
    if (!parent?.directorTaskId || !parent.directorState || !isTerminal(parent.directorState)) return;
    const writer = await this.tasks.openLog(parent.directorTaskId, 'event');
    const events = new EventLog({ write: (d) => writer.write(d) });
    const stage = events.beginStage('Boot action reports', null);
    for (const l of lines) {
      const step = await stage.start(`${l.node}/${l.action}: ${l.message}`);
      if (l.error) await step.fail(l.message);
      else await step.finish();
    }
  }
}
