import type { Knex } from 'knex';
import type { ReleaseJobRef, ReleasePackageRef } from './release-manifest';
import { jsonColumn, type RawRows, type Row, textColumn } from '../../../db/row-values';

export interface ReleaseVersion {
  id: number;
  name: string;
  version: string;
  commitHash: string;
  uncommittedChanges: boolean;
  jobs: ReleaseJobRef[];
  packages: ReleasePackageRef[];
}

export interface StoredArtifact {
  name: string;
  fingerprint: string;
  sha1: string;
  blobId: string;
}

const fromRow = (r: Record<string, unknown>): ReleaseVersion => ({
  id: Number(r.id),
  name: String(r.name),
  version: String(r.version),
  commitHash: textColumn(r.commit_hash),
  uncommittedChanges: Boolean(r.uncommitted_changes),
  jobs: jsonColumn(r.jobs),
  packages: jsonColumn(r.packages),
});

const artifactFromRow = (r: Record<string, unknown>): StoredArtifact => ({
  name: String(r.name),
  fingerprint: String(r.fingerprint),
  sha1: String(r.sha1),
  blobId: String(r.blob_id),
});

type ArtifactTable = 'release_jobs' | 'release_packages';

/** All SQL on `release_versions`, `release_jobs` and `release_packages`. */
export class ReleasesRepo {
  constructor(private readonly knex: Knex) {}

  async list(): Promise<ReleaseVersion[]> {
    return (await this.knex<Row>('release_versions').orderBy([{ column: 'name' }, { column: 'id' }])).map(fromRow);
  }

  async versionsOf(name: string): Promise<ReleaseVersion[]> {
    return (await this.knex<Row>('release_versions').where({ name }).orderBy('id')).map(fromRow);
  }

  async find(name: string, version: string): Promise<ReleaseVersion | null> {
    const row = await this.knex<Row>('release_versions').where({ name, version }).first();
    return row ? fromRow(row) : null;
  }

  async insertVersion(v: Omit<ReleaseVersion, 'id'>): Promise<ReleaseVersion> {
    const [row] = await this.knex<Row>('release_versions')
      .insert({
        name: v.name,
        version: v.version,
        commit_hash: v.commitHash,
        uncommitted_changes: v.uncommittedChanges,
        jobs: JSON.stringify(v.jobs),
        packages: JSON.stringify(v.packages),
      })
      .returning('*');
    return fromRow(row);
  }

  async deleteVersion(id: number): Promise<void> {
    await this.knex<Row>('release_versions').where({ id }).delete();
  }

  async artifact(table: ArtifactTable, name: string, fingerprint: string): Promise<StoredArtifact | null> {
    const row = await this.knex<Row>(table).where({ name, fingerprint }).first();
    return row ? artifactFromRow(row) : null;
  }

  /** Stores a job or package unless one with that fingerprint is stored already (then the blob is surplus). */
  async saveArtifact(table: ArtifactTable, a: StoredArtifact): Promise<boolean> {
    const rows = await this.knex(table)
      .insert({ name: a.name, fingerprint: a.fingerprint, sha1: a.sha1, blob_id: a.blobId })
      .onConflict(['name', 'fingerprint'])
      .ignore()
      .returning('name');
    return rows.length > 0;
  }

  async replaceArtifactBlob(
    table: ArtifactTable,
    name: string,
    fingerprint: string,
    sha1: string,
    blobId: string,
  ): Promise<void> {
    await this.knex(table).where({ name, fingerprint }).update({ sha1, blob_id: blobId });
  }

  async packageFingerprints(fingerprints: string[]): Promise<string[]> {
    if (!fingerprints.length) return [];
    return (await this.knex<Row>('release_packages').whereIn('fingerprint', fingerprints).distinct('fingerprint')).map(
      (r) => String(r.fingerprint),
    );
  }

  /** Jobs or packages no release version lists any more: removed, and their blob ids returned. */
  async deleteUnreferenced(table: ArtifactTable): Promise<string[]> {
    const column = table === 'release_jobs' ? 'jobs' : 'packages';
    const rows = await this.knex.raw<RawRows>(
      `delete from ${table} a where not exists (
         select 1 from release_versions v, jsonb_array_elements(v.${column}) e
         where e->>'name' = a.name and e->>'fingerprint' = a.fingerprint)
       returning blob_id`,
    );
    return rows.rows.map((r: Record<string, unknown>) => String(r.blob_id));
  }
}
