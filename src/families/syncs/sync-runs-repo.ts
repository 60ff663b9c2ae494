import type { Knex } from 'knex';
import { dateColumn, type RawRows } from '../../db/row-values';
import { TERMINAL_STATES, TaskState } from '../../tasks/task';

type Row = Record<string, unknown>;

/** One run of a sync task (CTS's event), with its Director task. */
export interface SyncRun {
  id: number;
  syncTask: string;
  taskId: number | null;
  trigger: string;
  createdAt: Date;
  startedAt: Date | null;
  endedAt: Date | null;
  /** null while the run has not ended. */
  success: boolean | null;
  error: string | null;
  /** The state of its Director task (null once retention deleted the task). */
  taskState: TaskState | null;
}

/**
 * A run's end as the run wrote it, or else as its task ended: a run whose node died is ended by the
 * task core (`timeout`), which knows nothing of sync runs.
 */
function fromRow(r: Row): SyncRun {
  const state = (r.task_state as TaskState | null) ?? null;
  const taskEnded = state !== null && TERMINAL_STATES.includes(state);
  const success =
    r.success === null || r.success === undefined ? (taskEnded ? state === 'done' : null) : Boolean(r.success);
  return {
    id: Number(r.id),
    syncTask: String(r.sync_task),
    taskId: r.task_id === null ? null : Number(r.task_id),
    trigger: String(r.trigger),
    createdAt: dateColumn(r.created_at)!,
    startedAt: dateColumn(r.started_at) ?? dateColumn(r.task_started_at),
    endedAt: dateColumn(r.ended_at) ?? (taskEnded ? dateColumn(r.task_timestamp) : null),
    success,
    error:
      (r.error as string | null) ?? (success === false ? ((r.task_result as string | null) ?? `task ${state}`) : null),
    taskState: state,
  };
}

const SELECT = `select r.*, t.state as task_state, t.result as task_result, t.timestamp as task_timestamp, t.started_at as task_started_at
  from sync_runs r left join tasks t on t.id = r.task_id`;

/** All SQL on `sync_runs`. */
export class SyncRunsRepo {
  constructor(private readonly knex: Knex) {}

  /** Stored with the run's task, in its transaction. */
  async insert(trx: Knex.Transaction, syncTask: string, taskId: number, trigger: string): Promise<void> {
    await trx('sync_runs').insert({ sync_task: syncTask, task_id: taskId, trigger });
  }

  async markStarted(taskId: number): Promise<void> {
    await this.knex('sync_runs').where({ task_id: taskId }).update({ started_at: this.knex.fn.now() });
  }

  async finish(taskId: number, success: boolean, error: string | null): Promise<void> {
    await this.knex('sync_runs').where({ task_id: taskId }).update({ ended_at: this.knex.fn.now(), success, error });
  }

  /** A run that did nothing (its sync task was disabled or deleted before it started) is no event. */
  async forget(taskId: number): Promise<void> {
    await this.knex('sync_runs').where({ task_id: taskId }).delete().returning('id');
  }

  /** Keeps the newest `keep` runs of a task. */
  async prune(syncTask: string, keep: number): Promise<void> {
    await this.knex.raw<RawRows>(
      `delete from sync_runs where sync_task = ? and id not in (select id from sync_runs where sync_task = ? order by id desc limit ?) returning id`,
      [syncTask, syncTask, keep],
    );
  }

  /** The newest runs of each named task (all tasks when `names` is null), newest first. */
  async newest(names: string[] | null, perTask: number): Promise<Map<string, SyncRun[]>> {
    const where = names ? `where r.sync_task = any(?::text[])` : '';
    const res = await this.knex.raw<RawRows>(
      `select * from (${SELECT} ${where}) x
        where (select count(*) from sync_runs n where n.sync_task = x.sync_task and n.id > x.id) < ?
        order by x.sync_task, x.id desc`,
      names ? [names, perTask] : [perTask],
    );
    const out = new Map<string, SyncRun[]>();
    for (const row of res.rows as Row[]) {
      const run = fromRow(row);
      out.set(run.syncTask, [...(out.get(run.syncTask) ?? []), run]);
    }
    return out;
  }

  /** Whether any run has not ended (a cheap test before `endedByTheirTask`). */
  async anyUnended(): Promise<boolean> {
    return Boolean(await this.knex('sync_runs').whereNull('ended_at').first('id'));
  }

  /** Runs whose task ended without the run writing its end (its node died): the watcher ends them. */
  async endedByTheirTask(): Promise<SyncRun[]> {
    const res = await this.knex.raw<RawRows>(
      `${SELECT} where r.ended_at is null and t.state in (${TERMINAL_STATES.map((s) => `'${s}'`).join(', ')})`,
    );
    return (res.rows as Row[]).map(fromRow);
  }
}
