import type { Knex } from 'knex';
import { dateColumn } from '../../../db/row-values';

export interface ConfigVersion {
  id: number;
  type: string;
  name: string;
  content: string;
  team: string | null;
  deleted: boolean;
  createdAt: Date;
  /** The newest version of its type and name that is not deleted. */
  current: boolean;
}

export interface ConfigFilter {
  type?: string;
  name?: string;
  /** Versions per type and name, newest first; 1 gives the latest of each. */
  limit: number;
}

type Row = Record<string, unknown>;

const fromRow = (r: Row): ConfigVersion => ({
  id: Number(r.id),
  type: String(r.type),
  name: String(r.name),
  content: String(r.content),
  team: (r.team as string | null) ?? null,
  deleted: Boolean(r.deleted),
  createdAt: dateColumn(r.created_at)!,
  current: Boolean(r.current),
});

/** All SQL on the `configs` table. */
export class ConfigsRepo {
  constructor(private readonly knex: Knex) {}

  /** Rows with a `current` column: no newer undeleted version of the same type and name exists. */
  private withCurrent(db: Knex | Knex.Transaction = this.knex) {
    return db('configs as c').select(
      'c.*',
      db.raw(
        'not c.deleted and not exists (select 1 from configs n where n.type = c.type and n.name = c.name and not n.deleted and n.id > c.id) as current',
      ),
    );
  }

  async create(type: string, name: string, content: string): Promise<ConfigVersion> {
    const [row] = await this.knex('configs').insert({ type, name, content }).returning<Array<{ id: number }>>('id');
    return (await this.findById(Number(row.id)))!;
  }

  /**
   * Undeleted versions, the Director's order: by type, the name `default` before the others, then by
   * name, newest first within a name; at most `limit` per type and name.
   */
  async find(f: ConfigFilter): Promise<ConfigVersion[]> {
    const ranked = this.knex('configs')
      .select('id', this.knex.raw('row_number() over (partition by type, name order by id desc) as rank'))
      .where({ deleted: false })
      .modify((q) => {
        if (f.type !== undefined) q.where({ type: f.type });
        if (f.name !== undefined) q.where({ name: f.name });
      });
    const rows = (await this.withCurrent()
      .join(ranked.as('r'), 'r.id', 'c.id')
      .where('r.rank', '<=', f.limit)
      .orderBy('c.type')
      .orderByRaw("case when c.name = 'default' then 1 else 2 end")
      .orderBy('c.name')
      .orderBy('c.id', 'desc')) as Row[];
    return rows.map(fromRow);
  }

  async current(type: string, name: string): Promise<ConfigVersion | null> {
    return (await this.find({ type, name, limit: 1 }))[0] ?? null;
  }

  /** The latest undeleted version of every name of a type, oldest first (the order configs merge in). */
  async latestSet(type: string): Promise<ConfigVersion[]> {
    return (await this.find({ type, limit: 1 })).sort((a, b) => a.id - b.id);
  }

  /** Versions by id, deleted ones too (a deployment keeps what it was deployed with), oldest first. */
  async findByIds(ids: number[]): Promise<ConfigVersion[]> {
    if (!ids.length) return [];
    return ((await this.withCurrent().whereIn('c.id', ids).orderBy('c.id')) as Row[]).map(fromRow);
  }

  /** One undeleted version. */
  async findById(id: number): Promise<ConfigVersion | null> {
    const row = (await this.withCurrent().where({ 'c.id': id, 'c.deleted': false }).first()) as Row | undefined;
    return row ? fromRow(row) : null;
  }

  async maxId(): Promise<number> {
    const row = (await this.knex('configs').max('id as max').first()) as { max: number | null } | undefined;
    return Number(row?.max ?? 0);
  }

  /** Marks every version of a type and name deleted; the number of versions it marked. */
  async deleteByTypeAndName(type: string, name: string): Promise<number> {
    return this.knex('configs').where({ type, name, deleted: false }).update({ deleted: true });
  }

  async deleteById(id: number): Promise<number> {
    return this.knex('configs').where({ id, deleted: false }).update({ deleted: true });
  }
}
