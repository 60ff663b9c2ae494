import type { Knex } from 'knex';
import { FINISHED_PAYLOAD_SQL, TASKS_CHANNEL } from '../db/notifier';
import { RUNNING_STATES, sqlStates, Task, TaskState, UNFINISHED_STATES } from './task';
import type { TaskLogName } from './task-log';
import { dateColumn, jsonColumn, type RawRows, textColumn } from '../db/row-values';

/** All SQL on the `tasks` table. */

type Row = Record<string, unknown>;

const RUNNING = sqlStates(...RUNNING_STATES);
const UNFINISHED = sqlStates(...UNFINISHED_STATES);

export function taskFromRow(r: Row): Task {
  return {
    id: Number(r.id),
    type: String(r.type),
    state: r.state as TaskState,
    description: String(r.description),
    deploymentName: (r.deployment_name as string | null) ?? null,
    username: (r.username as string | null) ?? null,
    contextId: textColumn(r.context_id),
    params: jsonColumn<Record<string, unknown>>(r.params),
    result: (r.result as string | null) ?? null,
    queueName: (r.queue_name as string | null) ?? null,
    nodeId: (r.node_id as string | null) ?? null,
    createdAt: dateColumn(r.created_at) as Date,
    timestamp: dateColumn(r.timestamp) as Date,
    startedAt: dateColumn(r.started_at),
    checkpointTime: dateColumn(r.checkpoint_time),
  };
}

/** A task just claimed, with the sizes of its logs (its debug log already holds the start line). */
export interface ClaimedTask {
  task: Task;
  logSizes: Partial<Record<TaskLogName, number>>;
}

export interface NewTask {
  type: string;
  description: string;
  deploymentName?: string | null;
  username?: string | null;
  contextId?: string;
  params?: Record<string, unknown>;
  queueName?: string | null;
  /** Only this node's runner may claim the task (a job configuration's `run_on`); null: any node's. */
  pinnedNodeId?: string | null;
}

/** A task as it is stored when queued: its first state, the node it is created claimed by, its first debug lines. */
export interface EnqueuedTask extends NewTask {
  state: 'queued' | 'processing';
  nodeId: string | null;
  /** The debug lines, with `[task:0]` and `%ID%` standing for the task's id. */
  debug: string;
}

/** How a task ends: its final state and result, and its last log chunks, stored by the same statement. */
export interface TaskEnd {
  id: number;
  state: TaskState;
  result: string;
  chunks: Array<{ log: string; offset: number; data: Buffer }>;
}

export interface TaskFilter {
  states?: readonly TaskState[];
  types?: readonly string[];
  deployment?: string;
  contextId?: string;
  limit?: number;
}

export class TasksRepo {
  constructor(private readonly knex: Knex) {}

  async findById(id: number, db: Knex | Knex.Transaction = this.knex): Promise<Task | null> {
    const row = await db<Row>('tasks').where({ id }).first();
    return row ? taskFromRow(row) : null;
  }

  /**
   * Stores tasks with their first debug lines, in the order given (bosun_enqueue_tasks); with
   * `notifyInSql`, the queued ones wake every node's runner as they commit.
   */
  async enqueueMany(db: Knex | Knex.Transaction, rows: EnqueuedTask[], notifyInSql: boolean): Promise<Task[]> {
    const res = await db.raw<RawRows>(
      `select * from bosun_enqueue_tasks(?::text[], ?::text[], ?::text[], ?::text[], ?::text[], ?::text[], ?::jsonb[], ?::text[], ?::text[], ?::text[], ?::text[], ?)`,
      [
        rows.map((r) => r.type),
        rows.map((r) => r.state),
        rows.map((r) => r.description),
        rows.map((r) => r.deploymentName ?? null),
        rows.map((r) => r.username ?? null),
        rows.map((r) => r.contextId ?? ''),
        rows.map((r) => JSON.stringify(r.params ?? {})),
        rows.map((r) => r.queueName ?? null),
        rows.map((r) => r.nodeId),
        rows.map((r) => r.pinnedNodeId ?? null),
        rows.map((r) => r.debug),
        notifyInSql,
        // Arrays with nulls bind as SQL arrays; knex's typings know arrays of strings only.
      ] as unknown as Knex.RawBinding[],
    );
    return (res.rows as Row[]).map(taskFromRow);
  }

  /** Wakes every node's runner for queued tasks (one signal is enough for any number of tasks of a type). */
  async notifyQueued(db: Knex | Knex.Transaction, tasks: Task[]): Promise<void> {
    if (!tasks.length) return;
    await db.raw(`select pg_notify(?, p) from unnest(?::text[]) as p`, [
      TASKS_CHANNEL,
      tasks.map((t) => `queued:${t.id}:${t.type}`),
    ]);
  }

  /** Newest first by the Director's timestamp; every filter is served by an index. */
  async list(f: TaskFilter): Promise<Task[]> {
    const q = this.knex<Row>('tasks').orderBy([
      { column: 'timestamp', order: 'desc' },
      { column: 'id', order: 'desc' },
    ]);
    if (f.states) q.whereIn('state', f.states);
    if (f.types) q.whereIn('type', f.types);
    if (f.deployment !== undefined) q.where('deployment_name', f.deployment);
    if (f.contextId !== undefined) q.where('context_id', f.contextId);
    if (f.limit !== undefined) q.limit(f.limit);
    return (await q).map(taskFromRow);
  }

  /**
   * Claims up to `limit` queued tasks of the `types` this node can run for `nodeId`, oldest first (a
   * node of an older version leaves newer kinds of task to the nodes that know them). `for update skip locked` keeps two
   * nodes from taking the same row. A task with a queue name is taken only when no older task of the
   * same queue is unfinished: that older row is either still queued (locked by another claimer, or
   * not yet started) or running, and in both cases its committed state is visible here, so a queue
   * never runs two tasks at once, across nodes.
   *
   * The same statement appends `startLine` to each claimed task's debug log (`[task:0]` and `%ID%` in it
   * become the task's id) and returns the sizes of its logs, so a task starts one round trip after its
   * wake-up. The SQL is the function bosun_claim_tasks (migration 20261129000007), whose plan the
   * connection keeps.
   */
  async claim(nodeId: string, limit: number, types: string[], startLine: string): Promise<ClaimedTask[]> {
    const res = await this.knex.raw<RawRows>(`select task, log_sizes from bosun_claim_tasks(?, ?, ?::text[], ?)`, [
      nodeId,
      limit,
      types,
      startLine,
    ]);
    return (res.rows as Row[])
      .map((r) => {
        const sizes = jsonColumn<Record<string, unknown>>(r.log_sizes);
        const logSizes = Object.fromEntries(Object.entries(sizes).map(([log, size]) => [log, Number(size)])) as Partial<
          Record<TaskLogName, number>
        >;
        return { task: taskFromRow(jsonColumn<Row>(r.task)), logSizes };
      })
      .sort((a, b) => a.task.id - b.task.id);
  }

  /** Marks this node's running tasks alive; returns them with their state (to learn of cancels). */
  async checkpoint(nodeId: string): Promise<Array<{ id: number; state: TaskState }>> {
    const res = await this.knex.raw<RawRows>(
      `update tasks set checkpoint_time = now()
        where node_id = ? and state in (${RUNNING})
        returning id, state`,
      [nodeId],
    );
    return (res.rows as Row[]).map((r) => ({ id: Number(r.id), state: r.state as TaskState }));
  }

  /**
   * Ends several of this node's tasks in one statement (each with its last log chunks; bosun_finish_tasks);
   * returns the ids that were still this node's to end.
   */
  async finishMany(
    db: Knex | Knex.Transaction,
    nodeId: string,
    ends: TaskEnd[],
    notifyInSql: boolean,
  ): Promise<Set<number>> {
    if (!ends.length) return new Set();
    const chunks = ends.flatMap((e) => e.chunks.map((c) => ({ id: e.id, ...c })));
    const res = await db.raw<RawRows>(
      `select id from bosun_finish_tasks(?, ?::int[], ?::text[], ?::text[], ?::int[], ?::text[], ?::bigint[], ?::bytea[], ?) as id`,
      [
        nodeId,
        ends.map((e) => e.id),
        ends.map((e) => e.state),
        ends.map((e) => e.result),
        chunks.map((c) => c.id),
        chunks.map((c) => c.log),
        chunks.map((c) => c.offset),
        chunks.map((c) => c.data),
        notifyInSql,
      ],
    );
    return new Set((res.rows as Row[]).map((r) => Number(r.id)));
  }

  /** Cancels a queued task outright. Returns the task when it was queued. */
  async cancelQueued(db: Knex.Transaction, id: number, notifyInSql: boolean): Promise<Task | null> {
    const notify = notifyInSql ? `, pg_notify('${TASKS_CHANNEL}', ${FINISHED_PAYLOAD_SQL})` : '';
    const res = await db.raw<RawRows>(
      `update tasks set state = ${sqlStates('cancelled')}, result = 'task cancelled', timestamp = now()
        where id = ? and state = ${sqlStates('queued')} returning *${notify}`,
      [id],
    );
    return res.rows.length ? taskFromRow(res.rows[0]) : null;
  }

  /** Asks the node running a task to cancel it. Returns the task when it was processing. */
  async requestCancel(id: number, notifyInSql: boolean): Promise<Task | null> {
    const notify = notifyInSql ? `, pg_notify('${TASKS_CHANNEL}', 'cancel:' || id)` : '';
    const res = await this.knex.raw<RawRows>(
      `update tasks set state = ${sqlStates('cancelling')}, timestamp = now()
        where id = ? and state = ${sqlStates('processing')} returning *${notify}`,
      [id],
    );
    return res.rows.length ? taskFromRow(res.rows[0]) : null;
  }

  /** Ids matching a bulk cancel (`POST /tasks/cancel`). */
  async findCancellable(f: { states: TaskState[]; types?: string[]; deployment?: string }): Promise<number[]> {
    const q = this.knex<Row>('tasks').select('id').whereIn('state', f.states).orderBy('id');
    if (f.types) q.whereIn('type', f.types);
    if (f.deployment !== undefined) q.where('deployment_name', f.deployment);
    return (await q).map((r: Row) => Number(r.id));
  }

  /**
   * Locks running tasks whose node stopped checkpointing them: those of `ownNodeId` unconditionally
   * (this node has just started, so none of them is really running), and those of any node after
   * `staleSeconds`. The caller ends them in the same transaction.
   */
  async lockStale(trx: Knex.Transaction, staleSeconds: number, ownNodeId: string | null): Promise<Task[]> {
    const res = await trx.raw<RawRows>(
      `select * from tasks
        where state in (${RUNNING})
          and (checkpoint_time < now() - make_interval(secs => ?) or node_id = ?)
        order by id limit 100
        for update skip locked`,
      [staleSeconds, ownNodeId ?? ''],
    );
    return (res.rows as Row[]).map(taskFromRow);
  }

  async markTimedOut(trx: Knex.Transaction, id: number, result: string, notifyInSql: boolean): Promise<void> {
    const notify = notifyInSql ? `, pg_notify('${TASKS_CHANNEL}', ${FINISHED_PAYLOAD_SQL})` : '';
    await trx.raw<RawRows>(
      `update tasks set state = ${sqlStates('timeout')}, result = ?, timestamp = now() where id = ? returning id${notify}`,
      [result, id],
    );
  }

  /**
   * The task types that may have more than `keep` finished tasks, for retention. The distinct types come
   * from a skip scan of tasks_by_type (one probe per type, not a pass over every task); a type whose
   * lowest and highest ids are at most `keep` apart cannot have more than `keep` tasks, so it is known
   * to be within retention from two more probes, however many tasks it has (bosun_types_over_retention).
   */
  async typesOverRetention(keep: number): Promise<string[]> {
    const res = await this.knex.raw<RawRows>(`select type from bosun_types_over_retention(?) as type`, [keep]);
    return res.rows.map((r: Row) => String(r.type));
  }

  /**
   * The id at and below which the finished tasks of `type` are older than its newest `keep` (null: none
   * are). One probe of tasks_by_type from the newest down: it reads `keep` entries, not the type's tasks.
   */
  async retentionCutoff(type: string, keep: number): Promise<number | null> {
    const res = await this.knex.raw<{ rows: Row[] }>(
      `select id from tasks where type = ? and state not in (${UNFINISHED}) order by id desc offset ? limit 1`,
      [type, keep],
    );
    return res.rows.length ? Number(res.rows[0].id) : null;
  }

  /**
   * Deletes up to `limit` finished tasks of `type` at or below `cutoff`, oldest first, with their logs.
   * Rows another statement holds are skipped, not waited for: retention never holds up a task's own
   * work, and a row it skips goes in a later pass.
   */
  async deleteFinishedUpTo(type: string, cutoff: number, limit: number): Promise<number> {
    const res = await this.knex.raw<{ rows: Row[] }>(
      `delete from tasks where id in (
         select id from tasks where type = ? and id <= ? and state not in (${UNFINISHED})
          order by id limit ? for update skip locked)
       returning id`,
      [type, cutoff, limit],
    );
    return res.rows.length;
  }

  /** Deletes a task that is not running, with its logs and family rows. False when it is running or gone. */
  async deleteUnlessRunning(id: number, db: Knex | Knex.Transaction = this.knex): Promise<boolean> {
    const res = await db.raw<RawRows>(`delete from tasks where id = ? and state not in (${RUNNING}) returning id`, [
      id,
    ]);
    return res.rows.length === 1;
  }

  /** Whether a task is running on `nodeId` now. */
  async isRunningOn(id: number, nodeId: string): Promise<boolean> {
    const row = await this.knex<Row>('tasks')
      .where({ id, node_id: nodeId })
      .whereIn('state', RUNNING_STATES)
      .first('id');
    return Boolean(row);
  }
}
