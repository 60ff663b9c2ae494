import type { Knex } from 'knex';
import { dateColumn, jsonColumn } from '../../db/row-values';
import type { TaskState } from '../../tasks/task';
import type { DrydockStatus, DrydockTask, StatusMessage, TaskResult } from './drydock-task';

type Row = Record<string, unknown>;

/** A task as read, with the state of the Director task it runs under (its own, or its parent's). */
export interface TaskView extends DrydockTask {
  directorState: TaskState | null;
}

function fromRow(r: Row): TaskView {
  return {
    taskId: String(r.task_id),
    directorTaskId: r.director_task_id == null ? null : Number(r.director_task_id),
    parentTaskId: (r.parent_task_id as string | null) ?? null,
    action: String(r.action),
    nodeName: (r.node_name as string | null) ?? null,
    designRef: String(r.design_ref),
    designId: (r.design_id as string | null) ?? null,
    designVersion: r.design_version == null ? null : Number(r.design_version),
    nodeFilter: r.node_filter == null ? null : jsonColumn(r.node_filter),
    status: r.status as DrydockStatus,
    result: {
      status: r.result_status as TaskResult['status'],
      message: (r.result_message as string | null) ?? null,
      reason: (r.result_reason as string | null) ?? null,
      successes: jsonColumn<string[]>(r.successes),
      failures: jsonColumn<string[]>(r.failures),
      links: jsonColumn<TaskResult['links']>(r.links),
    },
    createdBy: (r.created_by as string | null) ?? null,
    createdAt: dateColumn(r.created_at)!,
    updatedAt: dateColumn(r.updated_at),
    terminate: Boolean(r.terminate),
    terminatedAt: dateColumn(r.terminated_at),
    terminatedBy: (r.terminated_by as string | null) ?? null,
    retry: Number(r.retry ?? 0),
    directorState: (r.director_state as TaskState | null) ?? null,
  };
}

function toRow(t: DrydockTask): Row {
  return {
    task_id: t.taskId,
    director_task_id: t.directorTaskId,
    parent_task_id: t.parentTaskId,
    action: t.action,
    node_name: t.nodeName,
    design_ref: t.designRef,
    design_id: t.designId,
    design_version: t.designVersion,
    node_filter: t.nodeFilter === null ? null : JSON.stringify(t.nodeFilter),
    status: t.status,
    result_status: t.result.status,
    result_message: t.result.message,
    result_reason: t.result.reason,
    successes: JSON.stringify(t.result.successes),
    failures: JSON.stringify(t.result.failures),
    links: JSON.stringify(t.result.links),
    created_by: t.createdBy,
    created_at: t.createdAt,
    updated_at: t.updatedAt,
    terminate: t.terminate,
    terminated_at: t.terminatedAt,
    terminated_by: t.terminatedBy,
    retry: t.retry,
  };
}

const messageFromRow = (r: Row): StatusMessage & { taskId: string } => ({
  taskId: String(r.task_id),
  message: String(r.message),
  error: Boolean(r.error),
  contextType: String(r.context_type),
  context: String(r.context),
  ts: dateColumn(r.ts)!,
  extra: jsonColumn(r.extra),
});

/** All SQL on `drydock_tasks` and `drydock_task_messages`. */
export class DrydockTasksRepo {
  constructor(private readonly knex: Knex) {}

  /** Tasks with the state of the Director task each runs under (a subtask's is its parent's). */
  private select(db: Knex | Knex.Transaction = this.knex) {
    return db<Row>('drydock_tasks as t')
      .leftJoin('drydock_tasks as p', 'p.task_id', 't.parent_task_id')
      .leftJoin('tasks as d', 'd.id', db.raw('coalesce(t.director_task_id, p.director_task_id)'))
      .select('t.*', 'd.state as director_state');
  }

  async insert(t: DrydockTask, db: Knex | Knex.Transaction = this.knex): Promise<void> {
    await db<Row>('drydock_tasks').insert(toRow(t));
  }

  /** Several tasks in one statement (a task's node subtasks). */
  async insertMany(ts: DrydockTask[]): Promise<void> {
    if (ts.length) await this.knex<Row>('drydock_tasks').insert(ts.map(toRow));
  }

  async find(taskId: string, db: Knex | Knex.Transaction = this.knex): Promise<TaskView | null> {
    const row = (await this.select(db).where('t.task_id', taskId).first()) as Row | undefined;
    return row ? fromRow(row) : null;
  }

  async findByDirectorTask(id: number): Promise<TaskView | null> {
    const row = (await this.select().where('t.director_task_id', id).first()) as Row | undefined;
    return row ? fromRow(row) : null;
  }

  /** Every task (subtasks too, as Drydock lists them), oldest first. */
  async list(): Promise<TaskView[]> {
    return (await this.select().orderBy([{ column: 't.created_at' }, { column: 't.task_id' }])).map(fromRow);
  }

  async findMany(ids: string[]): Promise<TaskView[]> {
    if (!ids.length) return [];
    return (await this.select().whereIn('t.task_id', ids)).map(fromRow);
  }

  /** The ids of each task's subtasks, in creation order. */
  async subtaskIds(parentIds: string[]): Promise<Map<string, string[]>> {
    const out = new Map<string, string[]>(parentIds.map((id) => [id, []]));
    if (!parentIds.length) return out;
    const rows = await this.knex<Row>('drydock_tasks')
      .whereIn('parent_task_id', parentIds)
      .orderBy([{ column: 'created_at' }, { column: 'task_id' }])
      .select('task_id', 'parent_task_id');
    for (const r of rows as Row[]) out.get(String(r.parent_task_id))?.push(String(r.task_id));
    return out;
  }

  async subtasks(parentId: string): Promise<TaskView[]> {
    return (
      await this.select()
        .where('t.parent_task_id', parentId)
        .orderBy([{ column: 't.created_at' }, { column: 't.task_id' }])
    ).map(fromRow);
  }

  /** Writes a task's status, result and termination fields. */
  async save(t: DrydockTask): Promise<void> {
    const { task_id: _id, created_at: _c, ...fields } = toRow({ ...t, updatedAt: new Date() });
    await this.knex<Row>('drydock_tasks').where({ task_id: t.taskId }).update(fields);
  }

  /**
   * Marks a task to be terminated, once: false when it already was or is finished. The status turns
   * `terminating` (or `terminated` for a task that never started, which the caller then ends).
   */
  async requestTermination(taskId: string, by: string, status: 'terminating' | 'terminated'): Promise<boolean> {
    const n = await this.knex<Row>('drydock_tasks')
      .where({ task_id: taskId, terminate: false })
      .whereNotIn('status', ['complete', 'terminated'])
      .update({ terminate: true, terminated_at: new Date(), terminated_by: by, status, updated_at: new Date() });
    return n > 0;
  }

  async addMessage(
    taskId: string,
    m: Omit<StatusMessage, 'ts'> & { ts?: Date },
    db: Knex | Knex.Transaction = this.knex,
  ): Promise<void> {
    await this.addMessages([{ taskId, ...m }], db);
  }

  /** Messages in one statement, in the order given (their ids keep it). */
  async addMessages(
    ms: Array<Omit<StatusMessage, 'ts'> & { ts?: Date; taskId: string }>,
    db: Knex | Knex.Transaction = this.knex,
  ): Promise<void> {
    if (!ms.length) return;
    await db<Row>('drydock_task_messages').insert(
      ms.map((m) => ({
        task_id: m.taskId,
        message: m.message,
        error: m.error,
        context_type: m.contextType,
        context: m.context,
        ts: m.ts ?? new Date(),
        extra: JSON.stringify(m.extra),
      })),
    );
  }

  async messages(taskIds: string[]): Promise<Map<string, StatusMessage[]>> {
    const out = new Map<string, StatusMessage[]>(taskIds.map((id) => [id, []]));
    if (!taskIds.length) return out;
    const rows = await this.knex<Row>('drydock_task_messages').whereIn('task_id', taskIds).orderBy('id');
    for (const r of rows) {
      const { taskId, ...m } = messageFromRow(r);
      out.get(taskId)?.push(m);
    }
    return out;
  }

  /** Top-level finished tasks created before `before`, with their Director tasks. */
  async finishedBefore(before: Date): Promise<Array<{ taskId: string; directorTaskId: number | null }>> {
    const rows = await this.knex<Row>('drydock_tasks')
      .whereNull('parent_task_id')
      .where('created_at', '<', before)
      .whereIn('status', ['complete', 'terminated'])
      .select('task_id', 'director_task_id');
    return (rows as Row[]).map((r) => ({
      taskId: String(r.task_id),
      directorTaskId: r.director_task_id == null ? null : Number(r.director_task_id),
    }));
  }

  async delete(taskId: string): Promise<void> {
    await this.knex<Row>('drydock_tasks').where({ task_id: taskId }).delete();
  }
}
