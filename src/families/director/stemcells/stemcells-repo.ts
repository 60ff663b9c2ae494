import type { Knex } from 'knex';
import type { Row } from '../../../db/row-values';

export interface Stemcell {
  id: number;
  name: string;
  version: string;
  operatingSystem: string;
  apiVersion: number | null;
  cid: string;
  sha1: string;
}

const fromRow = (r: Record<string, unknown>): Stemcell => ({
  id: Number(r.id),
  name: String(r.name),
  version: String(r.version),
  operatingSystem: String(r.operating_system),
  apiVersion: r.api_version == null ? null : Number(r.api_version),
  cid: String(r.cid),
  sha1: String(r.sha1),
});

/** All SQL on the `stemcells` table. */
export class StemcellsRepo {
  constructor(private readonly knex: Knex) {}

  async list(): Promise<Stemcell[]> {
    return (await this.knex<Row>('stemcells').orderBy([{ column: 'name' }, { column: 'id' }])).map(fromRow);
  }

  async find(name: string, version: string): Promise<Stemcell | null> {
    const row = await this.knex<Row>('stemcells').where({ name, version }).first();
    return row ? fromRow(row) : null;
  }

  async save(s: Omit<Stemcell, 'id'>): Promise<Stemcell> {
    const row = {
      name: s.name,
      version: s.version,
      operating_system: s.operatingSystem,
      api_version: s.apiVersion,
      cid: s.cid,
      sha1: s.sha1,
    };
    const [saved] = await this.knex<Row>('stemcells')
      .insert(row)
      .onConflict(['name', 'version'])
      .merge()
      .returning('*');
    return fromRow(saved);
  }

  async delete(id: number): Promise<void> {
    await this.knex<Row>('stemcells').where({ id }).delete();
  }
}
