import type { Knex } from 'knex';
import { dateColumn, type RawRows } from '../../db/row-values';

export interface StoredDesign {
  id: string;
  version: number;
  documents: string;
  createdBy: string | null;
  createdAt: Date;
}

type Row = Record<string, unknown>;

const fromRow = (r: Row): StoredDesign => ({
  id: String(r.id),
  version: Number(r.version),
  documents: String(r.documents),
  createdBy: (r.created_by as string | null) ?? null,
  createdAt: dateColumn(r.created_at)!,
});

/** All SQL on `drydock_designs`. */
export class DesignsRepo {
  constructor(private readonly knex: Knex) {}

  /**
   * Stores the next version of design `id` (1 for a new design). Two writers of the same design race
   * on the primary key; the loser retries with the version after the winner's.
   */
  async addVersion(id: string, documents: string, createdBy: string | null): Promise<StoredDesign> {
    for (let attempt = 0; ; attempt++) {
      const [{ next }] = await this.knex<Row>('drydock_designs').where({ id }).max({ next: 'version' });
      const version = Number(next ?? 0) + 1;
      try {
        const [row] = await this.knex<Row>('drydock_designs')
          .insert({ id, version, documents, created_by: createdBy })
          .returning('*');
        return fromRow(row);
      } catch (err) {
        if ((err as { code?: string }).code !== '23505' || attempt >= 5) throw err;
      }
    }
  }

  async find(id: string, version?: number): Promise<StoredDesign | null> {
    const q = this.knex<Row>('drydock_designs').where({ id });
    if (version !== undefined) q.where({ version });
    const row = await q.orderBy('version', 'desc').first();
    return row ? fromRow(row) : null;
  }

  /** Every design's latest version (without its documents), newest first, with how many versions it has. */
  async listLatest(): Promise<Array<Omit<StoredDesign, 'documents'> & { versions: number }>> {
    const rows = await this.knex.raw<RawRows>(
      `select distinct on (id) id, version, created_by, created_at, count(*) over (partition by id) as versions
         from drydock_designs order by id, version desc`,
    );
    return (rows.rows as Row[])
      .map((r) => ({ ...fromRow({ ...r, documents: '' }), versions: Number(r.versions) }))
      .map(({ documents: _d, ...rest }) => rest)
      .sort((a, b) => b.createdAt.getTime() - a.createdAt.getTime());
  }

  async versions(id: string): Promise<number[]> {
    return (await this.knex<Row>('drydock_designs').where({ id }).orderBy('version').select('version')).map((r: Row) =>
      Number(r.version),
    );
  }
}
