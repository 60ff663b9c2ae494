import type { Knex } from 'knex';
import { jsonColumn, type Row } from '../../../db/row-values';

export interface NameVersion {
  name: string;
  version: string;
}

export interface Deployment {
  name: string;
  manifest: string | null;
  releases: NameVersion[];
  stemcells: NameVersion[];
}

const fromRow = (r: Record<string, unknown>): Deployment => ({
  name: String(r.name),
  manifest: (r.manifest as string | null) ?? null,
  releases: jsonColumn(r.releases),
  stemcells: jsonColumn(r.stemcells),
});

/** All SQL on the `deployments` table. */
export class DeploymentsRepo {
  constructor(private readonly knex: Knex) {}

  async list(): Promise<Deployment[]> {
    return (await this.knex<Row>('deployments').orderBy('name')).map(fromRow);
  }

  async find(name: string): Promise<Deployment | null> {
    const row = await this.knex<Row>('deployments').where({ name }).first();
    return row ? fromRow(row) : null;
  }

  /** A deploy creates its deployment before the task runs, as the Director does. */
  async findOrCreate(name: string, db: Knex | Knex.Transaction = this.knex): Promise<void> {
    await db<Row>('deployments').insert({ name }).onConflict('name').ignore();
  }

  async saveDeployed(name: string, manifest: string, releases: NameVersion[], stemcells: NameVersion[]): Promise<void> {
    await this.knex<Row>('deployments')
      .where({ name })
      .update({ manifest, releases: JSON.stringify(releases), stemcells: JSON.stringify(stemcells) });
  }

  async delete(name: string): Promise<void> {
    await this.knex<Row>('deployments').where({ name }).delete();
  }

  /** Names of deployments whose last deployed manifest uses this stemcell or release version. */
  async using(kind: 'stemcells' | 'releases', name: string, version?: string): Promise<string[]> {
    const probe = JSON.stringify([version === undefined ? { name } : { name, version }]);
    const rows = await this.knex<Row>('deployments').whereRaw(`${kind} @> ?::jsonb`, [probe]).select('name');
    return rows.map((r) => String(r.name));
  }
}
