import type { Knex } from 'knex';
import { dateColumn, type Row } from '../../db/row-values';

export interface SyncModule {
  name: string;
  version: string;
  sha256: string;
  size: number;
  files: number;
  createdBy: string;
  createdAt: Date;
}

const COLUMNS = ['name', 'version', 'sha256', 'size', 'files', 'created_by', 'created_at'];

const fromRow = (r: Record<string, unknown>): SyncModule => ({
  name: String(r.name),
  version: String(r.version),
  sha256: String(r.sha256),
  size: Number(r.size),
  files: Number(r.files),
  createdBy: String(r.created_by),
  createdAt: dateColumn(r.created_at)!,
});

/** All SQL on `sync_modules`: uploaded module tarballs, kept whole in the database. */
export class SyncModulesRepo {
  constructor(private readonly knex: Knex) {}

  /** False when that name and version exist already (a version is never replaced). */
  async insert(m: Omit<SyncModule, 'createdAt'>, archive: Buffer): Promise<SyncModule | null> {
    const rows = await this.knex<Row>('sync_modules')
      .insert({
        name: m.name,
        version: m.version,
        sha256: m.sha256,
        size: m.size,
        files: m.files,
        created_by: m.createdBy,
        archive,
      })
      .onConflict(['name', 'version'])
      .ignore()
      .returning(COLUMNS);
    return rows.length ? fromRow(rows[0]) : null;
  }

  /** A version of a module; with version '' its newest upload. */
  async find(name: string, version: string): Promise<SyncModule | null> {
    const q = this.knex<Row>('sync_modules').where({ name });
    if (version) q.where({ version });
    const row = await q
      .orderBy([
        { column: 'created_at', order: 'desc' },
        { column: 'version', order: 'desc' },
      ])
      .first(COLUMNS);
    return row ? fromRow(row) : null;
  }

  async archive(name: string, version: string): Promise<Buffer | null> {
    const row = await this.knex<Row>('sync_modules').where({ name, version }).first('archive');
    if (!row) return null;
    return Buffer.isBuffer(row.archive) ? row.archive : Buffer.from(row.archive as Uint8Array);
  }

  async list(): Promise<SyncModule[]> {
    return (
      await this.knex<Row>('sync_modules')
        .orderBy([{ column: 'name' }, { column: 'created_at', order: 'desc' }])
        .select(COLUMNS)
    ).map(fromRow);
  }
}
