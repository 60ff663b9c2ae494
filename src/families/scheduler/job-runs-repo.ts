import type { Knex } from 'knex';
import { dateColumn, jsonColumn } from '../../db/row-values';
import { RUNNING_STATES, sqlStates, UNFINISHED_STATES } from '../../tasks/task';
import type { TaskService } from '../../tasks/task-service';
import { ListQuery, orderAndPage, whereCreated } from './list-query';

/** CipherTrust's words for a run's state; `skipped` is a tick not run because the previous run was still going. */
export const RUN_STATUSES = ['scheduled', 'in_progress', 'completed', 'failed', 'aborted', 'skipped'] as const;
export type RunStatus = (typeof RUN_STATUSES)[number];

/** A run's status: its own (skipped, failed to start) or its task's state in CipherTrust's words. */
const STATUS_SQL = `case when r.status is not null then r.status
  when t.state is null or t.state = ${sqlStates('queued')} then 'scheduled'
  when t.state in (${sqlStates(...RUNNING_STATES)}) then 'in_progress'
  when t.state = ${sqlStates('done')} then 'completed'
  when t.state = ${sqlStates('cancelled')} then 'aborted'
  else 'failed' end`;

export interface JobRun {
  id: string;
  configId: string;
  fireAt: Date | null;
  trigger: 'schedule' | 'run_now';
  taskId: number | null;
  status: RunStatus;
  error: string | null;
  name: string;
  description: string;
  operation: string;
  params: Record<string, unknown>;
  username: string;
  /** The node that ran the task, else the one that fired the run. */
  processingNode: string;
  result: string | null;
  createdAt: Date;
  updatedAt: Date;
}

type Row = Record<string, unknown>;

function runFromRow(r: Row): JobRun {
  const created = dateColumn(r.created_at) as Date;
  return {
    id: String(r.id),
    configId: String(r.config_id),
    fireAt: dateColumn(r.fire_at),
    trigger: r.trigger as JobRun['trigger'],
    taskId: r.task_id == null ? null : Number(r.task_id),
    status: r.run_status as RunStatus,
    error: (r.error as string | null) ?? null,
    name: String(r.name),
    description: String(r.description),
    operation: String(r.operation),
    params: jsonColumn<Record<string, unknown>>(r.params),
    username: String(r.username),
    processingNode: String(r.task_node ?? r.node_id),
    result: (r.task_result as string | null) ?? null,
    createdAt: created,
    updatedAt: dateColumn(r.task_timestamp) ?? created,
  };
}

/** A run about to be stored: `status` set means it gets no task (skipped, or its operation cannot run). */
export interface NewRun {
  id: string;
  configId: string;
  fireAt: Date | null;
  trigger: JobRun['trigger'];
  status: 'skipped' | 'failed' | null;
  /** Why it failed to start. */
  error?: string;
  /** Its task, when stored in the transaction that stores the run. */
  taskId?: number;
  name: string;
  description: string;
  operation: string;
  params: Record<string, unknown>;
  username: string;
  nodeId: string;
  /** The config's `run_on` where it names a node: only that node may run the task. Not stored with the run. */
  pinnedNodeId: string | null;
}

export interface RunFilter {
  id?: string;
  name?: string;
  configId?: string;
  operation?: string;
  status?: RunStatus;
  processingNode?: string;
}

export const RUN_SORTABLE: Record<string, string> = {
  createdAt: 'r.created_at',
  name: 'r.name',
  operation: 'r.operation',
  status: 'run_status',
  id: 'r.id',
};

/** All SQL on `scheduler_runs`, read together with the run's task. */
export class JobRunsRepo {
  constructor(private readonly knex: Knex) {}

  private select(db: Knex | Knex.Transaction = this.knex) {
    return db<Row>('scheduler_runs as r')
      .leftJoin('tasks as t', 't.id', 'r.task_id')
      .select(
        'r.*',
        db.raw(`${STATUS_SQL} as run_status`),
        't.node_id as task_node',
        't.result as task_result',
        't.timestamp as task_timestamp',
      );
  }

  /** Stores runs, leaving out any whose (config, tick) is already stored; returns those stored. */
  async insert(trx: Knex.Transaction, runs: NewRun[]): Promise<NewRun[]> {
    if (!runs.length) return [];
    const stored = await trx<Row>('scheduler_runs')
      .insert(
        runs.map((r) => ({
          id: r.id,
          config_id: r.configId,
          fire_at: r.fireAt,
          trigger: r.trigger,
          status: r.status,
          error: r.error ?? null,
          task_id: r.taskId ?? null,
          name: r.name,
          description: r.description,
          operation: r.operation,
          params: JSON.stringify(r.params),
          username: r.username,
          node_id: r.nodeId,
        })),
      )
      .onConflict(trx.raw('(config_id, fire_at)'))
      .ignore()
      .returning('id');
    const ids = new Set(stored.map((s) => String(s.id)));
    return runs.filter((r) => ids.has(r.id));
  }

  /** Stores a run with its task, in the task's transaction (run-now). */
  async insertStarted(trx: Knex.Transaction, r: NewRun, taskId: number): Promise<void> {
    await trx<Row>('scheduler_runs').insert({
      id: r.id,
      config_id: r.configId,
      fire_at: r.fireAt,
      trigger: r.trigger,
      task_id: taskId,
      name: r.name,
      description: r.description,
      operation: r.operation,
      params: JSON.stringify(r.params),
      username: r.username,
      node_id: r.nodeId,
    });
  }

  /**
   * Locks the runs among `ids` that still have no task and are not skipped or failed, skipping those
   * another node holds (it is queueing their tasks); returns their ids. The caller queues their tasks and
   * links them (`link`) in the same transaction, so a run gets one task whichever nodes try.
   */
  async lockUnstarted(trx: Knex.Transaction, ids: string[]): Promise<Set<string>> {
    if (!ids.length) return new Set();
    const res = await trx.raw<{ rows: Array<{ id: string }> }>(
      `select id from scheduler_runs where id = any(?::uuid[]) and task_id is null and status is null
        for update skip locked`,
      [ids],
    );
    return new Set(res.rows.map((r) => r.id));
  }

  /** Links runs locked by `lockUnstarted` to their tasks, in one statement. */
  async link(trx: Knex.Transaction, links: Array<{ runId: string; taskId: number }>): Promise<void> {
    if (!links.length) return;
    await trx.raw(
      `update scheduler_runs r set task_id = v.task_id
         from unnest(?::uuid[], ?::int[]) as v(id, task_id) where r.id = v.id`,
      [links.map((l) => l.runId), links.map((l) => l.taskId)],
    );
  }

  /** Marks a run that could not start (its operation gone or its params no longer valid). */
  async fail(runId: string, error: string): Promise<void> {
    await this.knex<Row>('scheduler_runs')
      .where({ id: runId })
      .whereNull('task_id')
      .update({ status: 'failed', error });
  }

  /** The configs among `ids` with a run still going (queued, running, or about to get its task). */
  async busyConfigs(trx: Knex.Transaction, ids: string[]): Promise<Set<string>> {
    if (!ids.length) return new Set();
    const rows = await trx<Row>('scheduler_runs as r')
      .leftJoin('tasks as t', 't.id', 'r.task_id')
      .whereIn('r.config_id', ids)
      .whereNull('r.status')
      .where((w) => void w.whereNull('r.task_id').orWhereIn('t.state', UNFINISHED_STATES))
      .distinct('r.config_id');
    return new Set(rows.map((r: { config_id: string }) => r.config_id));
  }

  /**
   * Runs left without a task by a node that stopped between storing them and queueing their tasks, with
   * their config's `run_on` (a deleted config's run may run anywhere).
   */
  async unattached(olderThanMs: number, limit: number): Promise<NewRun[]> {
    const rows = await this.knex<Row>('scheduler_runs as r')
      .leftJoin('scheduler_job_configs as c', 'c.id', 'r.config_id')
      .whereNull('r.task_id')
      .whereNull('r.status')
      .where('r.created_at', '<', new Date(Date.now() - olderThanMs))
      .orderBy('r.created_at')
      .limit(limit)
      .select('r.*', 'c.run_on');
    return rows.map((r: Row) => ({
      id: String(r.id),
      configId: String(r.config_id),
      fireAt: dateColumn(r.fire_at),
      trigger: r.trigger as NewRun['trigger'],
      status: null,
      name: String(r.name),
      description: String(r.description),
      operation: String(r.operation),
      params: jsonColumn<Record<string, unknown>>(r.params),
      username: String(r.username),
      nodeId: String(r.node_id),
      pinnedNodeId: pinnedNode(r.run_on as string | null),
    }));
  }

  async find(id: string): Promise<JobRun | null> {
    const row = (await this.select().where('r.id', id).first()) as Row | undefined;
    return row ? runFromRow(row) : null;
  }

  async list(f: RunFilter, q: ListQuery): Promise<{ total: number; runs: JobRun[] }> {
    const filtered = <T extends Knex.QueryBuilder>(qb: T): T => {
      if (f.id !== undefined) qb.where('r.id', f.id);
      if (f.name !== undefined) qb.where('r.name', f.name);
      if (f.configId !== undefined) qb.where('r.config_id', f.configId);
      if (f.operation !== undefined) qb.where('r.operation', f.operation);
      if (f.status !== undefined) qb.whereRaw(`(${STATUS_SQL}) = ?`, [f.status]);
      if (f.processingNode !== undefined) qb.whereRaw('coalesce(t.node_id, r.node_id) = ?', [f.processingNode]);
      return whereCreated(qb, q, 'r.created_at');
    };
    const [{ n }] = await filtered(
      this.knex<Row>('scheduler_runs as r').leftJoin('tasks as t', 't.id', 'r.task_id'),
    ).count({
      n: '*',
    });
    const rows = await orderAndPage(filtered(this.select()), q, 'r.id');
    return { total: Number(n), runs: rows.map(runFromRow) };
  }

  /** Deletes a run with its task unless the task is running; 'running' when it is, 'gone' when there is no such run. */
  async delete(id: string, tasks: Pick<TaskService, 'deleteUnlessRunning'>): Promise<'deleted' | 'running' | 'gone'> {
    return this.knex.transaction(async (trx) => {
      const run = await trx<Row>('scheduler_runs').where({ id }).forUpdate().first();
      if (!run) return 'gone';
      if (run.task_id != null) {
        if (!(await tasks.deleteUnlessRunning(Number(run.task_id), trx))) return 'running';
      }
      await trx<Row>('scheduler_runs').where({ id }).del();
      return 'deleted';
    });
  }
}

/** The node a config's `run_on` pins its tasks to: none for `any`. */
export function pinnedNode(runOn: string | null | undefined): string | null {
  return runOn && runOn !== 'any' ? runOn : null;
}
