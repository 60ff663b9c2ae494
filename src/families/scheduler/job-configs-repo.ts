import type { Knex } from 'knex';
import type { Database } from '../../db/database';
import { TASKS_CHANNEL } from '../../db/notifier';
import { dateColumn, jsonColumn, type RawRows, textColumn } from '../../db/row-values';
import type { JobConfig, JobConfigFields, Misfire } from './job-config';
import { ListQuery, orderAndPage, whereCreated } from './list-query';

type Row = Record<string, unknown>;

export function configFromRow(r: Row): JobConfig {
  return {
    id: String(r.id),
    name: String(r.name),
    description: textColumn(r.description),
    operation: String(r.operation),
    params: jsonColumn<Record<string, unknown>>(r.params),
    runAt: String(r.run_at),
    timeZone: (r.time_zone as string | null) ?? null,
    runOn: String(r.run_on),
    startDate: dateColumn(r.start_date),
    endDate: dateColumn(r.end_date),
    disabled: Boolean(r.disabled),
    misfire: r.misfire as Misfire,
    allowOverlap: Boolean(r.allow_overlap),
    nextRunAt: dateColumn(r.next_run_at),
    createdBy: String(r.created_by),
    createdAt: dateColumn(r.created_at) as Date,
    updatedAt: dateColumn(r.updated_at) as Date,
  };
}

function columns(f: Partial<JobConfigFields> & { nextRunAt?: Date | null }): Row {
  const row: Row = {};
  if (f.name !== undefined) row.name = f.name;
  if (f.description !== undefined) row.description = f.description;
  if (f.operation !== undefined) row.operation = f.operation;
  if (f.params !== undefined) row.params = JSON.stringify(f.params);
  if (f.runAt !== undefined) row.run_at = f.runAt;
  if (f.timeZone !== undefined) row.time_zone = f.timeZone;
  if (f.runOn !== undefined) row.run_on = f.runOn;
  if (f.startDate !== undefined) row.start_date = f.startDate;
  if (f.endDate !== undefined) row.end_date = f.endDate;
  if (f.disabled !== undefined) row.disabled = f.disabled;
  if (f.misfire !== undefined) row.misfire = f.misfire;
  if (f.allowOverlap !== undefined) row.allow_overlap = f.allowOverlap;
  if (f.nextRunAt !== undefined) row.next_run_at = f.nextRunAt;
  return row;
}

export interface ConfigFilter {
  name?: string;
  id?: string;
  operation?: string;
  disabled?: boolean;
}

/** The seed's sort names and the columns they sort. */
export const CONFIG_SORTABLE: Record<string, string> = {
  createdAt: 'created_at',
  updatedAt: 'updated_at',
  name: 'name',
  operation: 'operation',
  next_run_at: 'next_run_at',
  id: 'id',
};

/**
 * All SQL on `scheduler_job_configs`. Every change wakes the firing loops of all nodes (the NOTIFY is
 * sent in the changing transaction), since it may bring a config's next run nearer than their timers.
 */
export class JobConfigsRepo {
  constructor(private readonly db: Database) {}

  private get knex(): Knex {
    return this.db.knex;
  }

  /** Runs `fn` in a transaction that wakes every node's scheduler as it commits. */
  async changing<T>(fn: (trx: Knex.Transaction) => Promise<T>): Promise<T> {
    const viaDatabase = this.db.notifier.viaDatabase;
    const out = await this.knex.transaction(async (trx) => {
      const r = await fn(trx);
      if (viaDatabase) await trx.raw<RawRows>('select pg_notify(?, ?)', [TASKS_CHANNEL, 'schedule']);
      return r;
    });
    if (!viaDatabase) this.db.notifier.publish({ kind: 'schedule' });
    return out;
  }

  async insert(c: JobConfigFields & { id: string; createdBy: string; nextRunAt: Date | null }): Promise<JobConfig> {
    return this.changing(async (trx) => {
      const [row] = await trx<Row>('scheduler_job_configs')
        .insert({ ...columns(c), id: c.id, created_by: c.createdBy })
        .returning('*');
      return configFromRow(row);
    });
  }

  async find(id: string, db: Knex | Knex.Transaction = this.knex): Promise<JobConfig | null> {
    const row = await db<Row>('scheduler_job_configs').where({ id }).first();
    return row ? configFromRow(row) : null;
  }

  /** Applies `change` to the config as it is under a row lock; null when it is gone. */
  async update(
    id: string,
    change: (current: JobConfig) => Partial<JobConfigFields> & { nextRunAt?: Date | null },
  ): Promise<JobConfig | null> {
    return this.changing(async (trx) => {
      const row = await trx<Row>('scheduler_job_configs').where({ id }).forUpdate().first();
      if (!row) return null;
      const [updated] = await trx<Row>('scheduler_job_configs')
        .where({ id })
        .update({ ...columns(change(configFromRow(row))), updated_at: trx.fn.now() })
        .returning('*');
      return configFromRow(updated);
    });
  }

  async delete(id: string): Promise<boolean> {
    // PGlite's driver does not report a row count for a plain delete: ask for the row back.
    return this.changing(
      async (trx) => (await trx<Row>('scheduler_job_configs').where({ id }).del().returning('id')).length === 1,
    );
  }

  async list(f: ConfigFilter, q: ListQuery): Promise<{ total: number; configs: JobConfig[] }> {
    const base = () => {
      const qb = this.knex<Row>('scheduler_job_configs');
      if (f.name !== undefined) qb.where('name', f.name);
      if (f.id !== undefined) qb.where('id', f.id);
      if (f.operation !== undefined) qb.where('operation', f.operation);
      if (f.disabled !== undefined) qb.where('disabled', f.disabled);
      return whereCreated(qb, q, 'created_at');
    };
    const [{ n }] = await base().count({ n: '*' });
    const rows = await orderAndPage(base().select('*'), q, 'id');
    return { total: Number(n), configs: rows.map(configFromRow) };
  }

  /** The earliest next run among the configs `nodeId` may fire, for its timer. */
  async earliestDue(nodeId: string): Promise<Date | null> {
    const row = await this.knex<Row>('scheduler_job_configs')
      .whereNotNull('next_run_at')
      .whereIn('run_on', ['any', nodeId])
      .min({ at: 'next_run_at' })
      .first();
    return dateColumn(row?.at);
  }

  /**
   * Locks up to `limit` configs due by `now` that `nodeId` may fire, skipping those another node holds:
   * each due tick is taken by exactly one node.
   */
  async lockDue(trx: Knex.Transaction, nodeId: string, now: Date, limit: number): Promise<JobConfig[]> {
    const res = await trx.raw<RawRows>(
      `select * from scheduler_job_configs
        where next_run_at is not null and next_run_at <= ? and run_on in ('any', ?)
        order by next_run_at limit ? for update skip locked`,
      [now, nodeId, limit],
    );
    return res.rows.map(configFromRow);
  }

  /** Moves each config's next run on, in one statement. */
  async advance(trx: Knex.Transaction, next: Array<{ id: string; at: Date | null }>): Promise<void> {
    if (!next.length) return;
    await trx.raw<RawRows>(
      `update scheduler_job_configs c set next_run_at = v.at
         from jsonb_to_recordset(?::jsonb) as v(id uuid, at timestamptz) where c.id = v.id`,
      [JSON.stringify(next.map((n) => ({ id: n.id, at: n.at?.toISOString() ?? null })))],
    );
  }
}
