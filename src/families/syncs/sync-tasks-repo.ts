import type { Knex } from 'knex';
import { dateColumn, jsonColumn, type RawRows } from '../../db/row-values';
import { sqlStates, UNFINISHED_STATES } from '../../tasks/task';
import { parseDuration } from './durations';
import { conditionKind, SYNC_RUN_TYPE, SyncTask, SyncTaskConfig } from './sync-task';

type Row = Record<string, unknown>;

/** The columns of a task's configuration (not its watch bookkeeping). */
const COLUMNS = [
  'name',
  'description',
  'enabled',
  'module',
  'version',
  'variables',
  'providers',
  'condition',
  'module_input',
  'buffer_period',
  'created_by',
  'deleting',
  'pending',
  'created_at',
  'updated_at',
];

function fromRow(r: Row): SyncTask {
  return {
    name: String(r.name),
    description: String(r.description),
    enabled: Boolean(r.enabled),
    module: String(r.module),
    version: String(r.version),
    variables: jsonColumn(r.variables),
    providers: jsonColumn(r.providers),
    condition: jsonColumn(r.condition),
    module_input: jsonColumn(r.module_input),
    buffer_period: jsonColumn(r.buffer_period),
    createdBy: String(r.created_by),
    deleting: Boolean(r.deleting),
    pending: Boolean(r.pending),
    createdAt: dateColumn(r.created_at)!,
    updatedAt: dateColumn(r.updated_at)!,
  };
}

/** The configuration's columns, with those the dispatch query reads derived from it. */
function configColumns(c: Partial<SyncTaskConfig>): Row {
  const row: Row = {};
  for (const key of ['description', 'enabled', 'module', 'version'] as const)
    if (c[key] !== undefined) row[key] = c[key];
  for (const key of ['variables', 'providers', 'condition', 'module_input', 'buffer_period'] as const)
    if (c[key] !== undefined) row[key] = JSON.stringify(c[key]);
  if (c.condition) row.watch_kind = conditionKind(c.condition);
  if (c.buffer_period) {
    row.buffer_enabled = c.buffer_period.enabled;
    row.buffer_min_ms = parseDuration(c.buffer_period.min);
    row.buffer_max_ms = parseDuration(c.buffer_period.max);
  }
  return row;
}

/** What a node last saw of a task's watched data. */
export interface WatchState {
  name: string;
  deleting: boolean;
  kind: 'instances' | 'secrets' | 'schedule';
  enabled: boolean;
  condition: SyncTask['condition'];
  seenFingerprint: string | null;
  seenHash: string | null;
  nextTickAt: Date | null;
}

/** Unfinished runs of a task's queue, as SQL (the index tasks_unfinished_by_queue serves it). */
const RUN_IN_QUEUE = (states: string, except = '') =>
  `exists (select 1 from tasks q where q.queue_name = 'sync:' || s.name and q.type = '${SYNC_RUN_TYPE}' and q.state in (${states})${except})`;
const QUEUED = sqlStates('queued');
const UNFINISHED = sqlStates(...UNFINISHED_STATES);

/**
 * A pending change is due when the task may run and its buffer has passed: quiet for `min` since the
 * last change, or `max` since the first (CTS's buffer period). Schedules are not buffered (as in CTS).
 */
const DUE = `s.pending and s.enabled and not s.deleting
  and (not s.buffer_enabled or s.watch_kind = 'schedule'
       or now() >= s.last_change_at + s.buffer_min_ms * interval '1 millisecond'
       or now() >= s.first_change_at + s.buffer_max_ms * interval '1 millisecond')`;

/** All SQL on `sync_tasks`. */
export class SyncTasksRepo {
  constructor(private readonly knex: Knex) {}

  /** Stores a new task; false when the name is taken (by a task, or one being deleted). */
  async insert(
    c: SyncTaskConfig,
    createdBy: string,
    watch: { fingerprint: string | null; hash: string | null; nextTickAt: Date | null },
    db: Knex | Knex.Transaction = this.knex,
  ): Promise<boolean> {
    const rows = await db<Row>('sync_tasks')
      .insert({
        ...configColumns(c),
        name: c.name,
        created_by: createdBy,
        seen_fingerprint: watch.fingerprint,
        seen_hash: watch.hash,
        next_tick_at: watch.nextTickAt,
      })
      .onConflict('name')
      .ignore()
      .returning('name');
    return rows.length === 1;
  }

  async find(name: string, db: Knex | Knex.Transaction = this.knex): Promise<SyncTask | null> {
    const row = await db<Row>('sync_tasks').where({ name, deleting: false }).first(COLUMNS);
    return row ? fromRow(row) : null;
  }

  async list(): Promise<SyncTask[]> {
    return (await this.knex<Row>('sync_tasks').where({ deleting: false }).orderBy('name').select(COLUMNS)).map(fromRow);
  }

  /**
   * Changes a task's configuration. A changed condition forgets what was seen (the new data is a
   * change); changed inputs make the task pending, since its module now gets other input.
   */
  async update(
    name: string,
    patch: Partial<SyncTaskConfig>,
    nextTickAt?: Date | null,
    db: Knex | Knex.Transaction = this.knex,
  ): Promise<SyncTask | null> {
    const row: Row = { ...configColumns(patch), updated_at: db.fn.now() };
    if (patch.condition) Object.assign(row, { seen_fingerprint: null, seen_hash: null });
    if (nextTickAt !== undefined) row.next_tick_at = nextTickAt;
    if (patch.variables || patch.module_input) {
      Object.assign(row, {
        pending: true,
        first_change_at: db.raw('coalesce(first_change_at, now())'),
        last_change_at: db.fn.now(),
      });
    }
    const rows = await db<Row>('sync_tasks').where({ name, deleting: false }).update(row).returning(COLUMNS);
    return rows.length ? fromRow(rows[0]) : null;
  }

  /** DELETE: marks the task; it goes once no run of it is queued or running (`deleteIfIdle`). */
  async markDeleting(name: string): Promise<boolean> {
    return (
      (await this.knex<Row>('sync_tasks').where({ name }).update({ deleting: true, pending: false }).returning('name'))
        .length === 1
    );
  }

  /** Deletes a marked task unless a run of it is unfinished; its runs and Terraform state go with it. */
  async deleteIfIdle(name: string): Promise<boolean> {
    const res = await this.knex.raw<RawRows>(
      `delete from sync_tasks s where s.name = ? and s.deleting and not ${RUN_IN_QUEUE(UNFINISHED)} returning s.name`,
      [name],
    );
    return res.rows.length === 1;
  }

  /** Every task, with what was last seen of its data (tasks marked for deletion too: they are not watched). */
  async watched(): Promise<WatchState[]> {
    const rows = await this.knex<Row>('sync_tasks').select(
      'name',
      'deleting',
      'watch_kind',
      'enabled',
      'condition',
      'seen_fingerprint',
      'seen_hash',
      'next_tick_at',
    );
    return rows.map((r: Row) => ({
      name: String(r.name),
      deleting: Boolean(r.deleting),
      kind: r.watch_kind as WatchState['kind'],
      enabled: Boolean(r.enabled),
      condition: jsonColumn(r.condition),
      seenFingerprint: (r.seen_fingerprint as string | null) ?? null,
      seenHash: (r.seen_hash as string | null) ?? null,
      nextTickAt: dateColumn(r.next_tick_at),
    }));
  }

  /**
   * Records what a node saw of a task's data, if what was seen before is still `was`: of the nodes that
   * see one change, exactly one records it. A changed content hash makes the task pending (a first
   * change starts its buffer). Returns whether this node's record won.
   */
  async recordSeen(name: string, was: string | null, fingerprint: string, hash: string): Promise<boolean> {
    const res = await this.knex.raw<RawRows>(
      `update sync_tasks s set
         seen_fingerprint = ?,
         seen_hash = ?,
         pending = s.pending or s.seen_hash is distinct from ?,
         first_change_at = case when s.seen_hash is distinct from ? then coalesce(s.first_change_at, now()) else s.first_change_at end,
         last_change_at = case when s.seen_hash is distinct from ? then now() else s.last_change_at end
       where s.name = ? and s.seen_fingerprint is not distinct from ? and not s.deleting
       returning s.name`,
      [fingerprint, hash, hash, hash, hash, name, was],
    );
    return res.rows.length === 1;
  }

  /** Moves a schedule on from tick `was` to `next`; the node whose update wins makes an enabled task pending. */
  async recordTick(name: string, was: Date, next: Date | null): Promise<boolean> {
    const res = await this.knex.raw<RawRows>(
      `update sync_tasks s set next_tick_at = ?, pending = s.pending or s.enabled,
         first_change_at = case when s.enabled then coalesce(s.first_change_at, now()) else s.first_change_at end,
         last_change_at = case when s.enabled then now() else s.last_change_at end
       where s.name = ? and s.next_tick_at = ? and not s.deleting returning s.name`,
      [next, name, was],
    );
    return res.rows.length === 1;
  }

  /** Names of the tasks whose pending change is due now. */
  async due(limit: number): Promise<Array<{ name: string; createdBy: string }>> {
    const res = await this.knex.raw<RawRows>(
      `select s.name, s.created_by from sync_tasks s where ${DUE} order by s.first_change_at limit ?`,
      [limit],
    );
    return res.rows.map((r: Row) => ({ name: String(r.name), createdBy: String(r.created_by) }));
  }

  /**
   * A due change whose task already has a run waiting in its queue is folded into that run, which reads
   * the data when it starts (after this statement). True when folded.
   */
  async foldIntoQueuedRun(name: string): Promise<boolean> {
    const res = await this.knex.raw<RawRows>(
      `update sync_tasks s set pending = false, first_change_at = null, last_change_at = null
        where s.name = ? and ${DUE} and ${RUN_IN_QUEUE(QUEUED)} returning s.name`,
      [name],
    );
    return res.rows.length === 1;
  }

  /**
   * Takes a due change for the run `taskId` being queued in `trx` (the row lock makes a second node's
   * claim wait, then find nothing pending): true when this transaction won it.
   */
  async claimDue(trx: Knex.Transaction, name: string, taskId: number): Promise<boolean> {
    const res = await trx.raw<RawRows>(
      `update sync_tasks s set pending = false, first_change_at = null, last_change_at = null
        where s.name = ? and ${DUE} and not ${RUN_IN_QUEUE(QUEUED, ' and q.id <> ?')} returning s.name`,
      [name, taskId],
    );
    return res.rows.length === 1;
  }

  /** A run that starts now covers what was pending (run=now, or a run that a change folded into). */
  async clearPending(name: string, db: Knex | Knex.Transaction = this.knex): Promise<void> {
    await db<Row>('sync_tasks').where({ name }).update({ pending: false, first_change_at: null, last_change_at: null });
  }

  /** A run that could not apply what was pending (its task was disabled meanwhile) leaves it pending. */
  async setPending(name: string): Promise<void> {
    await this.knex.raw<RawRows>(
      `update sync_tasks set pending = true, first_change_at = coalesce(first_change_at, now()), last_change_at = coalesce(last_change_at, now()) where name = ?`,
      [name],
    );
  }

  /** Status counts by `enabled`. */
  async countEnabled(): Promise<{ enabled: number; disabled: number }> {
    const rows = await this.knex<Row>('sync_tasks')
      .where({ deleting: false })
      .groupBy('enabled')
      .select('enabled')
      .count({ n: '*' });
    const n = (flag: boolean) => Number(rows.find((r: Row) => Boolean(r.enabled) === flag)?.n ?? 0);
    return { enabled: n(true), disabled: n(false) };
  }
}
