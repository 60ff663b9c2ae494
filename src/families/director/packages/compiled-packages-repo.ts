import type { Knex } from 'knex';
import type { RawRows, Row } from '../../../db/row-values';

export interface CompiledPackageKey {
  name: string;
  fingerprint: string;
  stemcellOs: string;
  stemcellVersion: string;
  /** The compiled dependencies it was built against, `name/fingerprint` sorted and joined. */
  dependencyKey: string;
}

export interface CompiledPackage extends CompiledPackageKey {
  sha1: string;
  blobId: string;
}

const keyColumns = (k: CompiledPackageKey) => ({
  name: k.name,
  fingerprint: k.fingerprint,
  stemcell_os: k.stemcellOs,
  stemcell_version: k.stemcellVersion,
  dependency_key: k.dependencyKey,
});

const fromRow = (r: Record<string, unknown>): CompiledPackage => ({
  name: String(r.name),
  fingerprint: String(r.fingerprint),
  stemcellOs: String(r.stemcell_os),
  stemcellVersion: String(r.stemcell_version),
  dependencyKey: String(r.dependency_key),
  sha1: String(r.sha1),
  blobId: String(r.blob_id),
});

/** All SQL on `compiled_packages`: one row per package fingerprint, stemcell and dependency set. */
export class CompiledPackagesRepo {
  constructor(private readonly knex: Knex) {}

  async find(k: CompiledPackageKey): Promise<CompiledPackage | null> {
    const row = await this.knex<Row>('compiled_packages').where(keyColumns(k)).first();
    return row ? fromRow(row) : null;
  }

  /** Saves a compiled package; false when another task saved the same one first. */
  async save(p: CompiledPackage): Promise<boolean> {
    const rows = await this.knex<Row>('compiled_packages')
      .insert({ ...keyColumns(p), sha1: p.sha1, blob_id: p.blobId })
      .onConflict(['name', 'fingerprint', 'stemcell_os', 'stemcell_version', 'dependency_key'])
      .ignore()
      .returning('name');
    return rows.length > 0;
  }

  async forFingerprints(fingerprints: string[]): Promise<CompiledPackage[]> {
    if (!fingerprints.length) return [];
    return (await this.knex<Row>('compiled_packages').whereIn('fingerprint', fingerprints)).map(fromRow);
  }

  async list(): Promise<CompiledPackage[]> {
    const rows = await this.knex('compiled_packages').orderBy([
      { column: 'name' },
      { column: 'stemcell_os' },
      { column: 'stemcell_version' },
    ]);
    return rows.map(fromRow);
  }

  /** Deletes one compiled package; its blob id, or null when it was gone already. */
  async delete(k: CompiledPackageKey): Promise<string | null> {
    const rows: Array<{ blob_id: string }> = await this.knex('compiled_packages')
      .where(keyColumns(k))
      .delete()
      .returning('blob_id');
    return rows.length ? rows[0].blob_id : null;
  }

  /** Compiled packages whose source package no release has any more; their blob ids are returned. */
  async deleteOrphans(): Promise<string[]> {
    const res = await this.knex.raw<RawRows>(
      `delete from compiled_packages c where not exists (
         select 1 from release_packages p where p.name = c.name and p.fingerprint = c.fingerprint)
       returning blob_id`,
    );
    return res.rows.map((r: Record<string, unknown>) => String(r.blob_id));
  }

  async deleteForStemcell(os: string, version: string): Promise<string[]> {
    const rows = await this.knex<Row>('compiled_packages')
      .where({ stemcell_os: os, stemcell_version: version })
      .delete()
      .returning('blob_id');
    return rows.map((r: Record<string, unknown>) => String(r.blob_id));
  }
}
