import type { Knex } from 'knex';
import type { Sealed } from './secret-cipher';
import type { Row } from '../db/row-values';

export interface SecretRow extends Sealed {
  id: string;
  name: string;
  type: string;
  versionCreatedAt: Date;
}

const buf = (v: unknown) => (Buffer.isBuffer(v) ? v : Buffer.from(v as Uint8Array));

function fromRow(r: Record<string, unknown>): SecretRow {
  return {
    id: String(r.id),
    name: String(r.name),
    type: String(r.type),
    ciphertext: buf(r.ciphertext),
    iv: buf(r.iv),
    authTag: buf(r.auth_tag),
    versionCreatedAt:
      r.version_created_at instanceof Date ? r.version_created_at : new Date(String(r.version_created_at)),
  };
}

/** `name` itself, and with `recurse` the names under `name/` (LIKE's wildcards in the name escaped). */
function underName(q: Knex.QueryBuilder, name: string, recurse: boolean): void {
  q.where('name', name);
  if (recurse)
    q.orWhereRaw(`name like ? escape '\\'`, [`${name === '/' ? '' : name.replace(/[\\%_]/g, (c) => `\\${c}`)}/%`]);
}

/** All SQL on `secrets`. */
export class SecretsRepo {
  constructor(private readonly knex: Knex) {}

  /** Sets the current version of `name` (a new id each time). */
  async upsert(id: string, name: string, type: string, sealed: Sealed): Promise<SecretRow> {
    const rows = await this.knex<Row>('secrets')
      .insert({ id, name, type, ciphertext: sealed.ciphertext, iv: sealed.iv, auth_tag: sealed.authTag })
      .onConflict('name')
      .merge({
        id,
        type,
        ciphertext: sealed.ciphertext,
        iv: sealed.iv,
        auth_tag: sealed.authTag,
        version_created_at: this.knex.fn.now(),
      })
      .returning('*');
    return fromRow(rows[0]);
  }

  /** Inserts only when `name` has no value yet; returns null when it had one. */
  async insertIfAbsent(id: string, name: string, type: string, sealed: Sealed): Promise<SecretRow | null> {
    const rows = await this.knex<Row>('secrets')
      .insert({ id, name, type, ciphertext: sealed.ciphertext, iv: sealed.iv, auth_tag: sealed.authTag })
      .onConflict('name')
      .ignore()
      .returning('*');
    return rows.length ? fromRow(rows[0]) : null;
  }

  async findByName(name: string): Promise<SecretRow | null> {
    const r = await this.knex<Row>('secrets').where({ name }).first();
    return r ? fromRow(r) : null;
  }

  async findById(id: string): Promise<SecretRow | null> {
    const r = await this.knex<Row>('secrets').where({ id }).first();
    return r ? fromRow(r) : null;
  }

  /** `name`, and with `recurse` every secret under `name/`, ordered by name (read-only; sync tasks watch these). */
  async findUnder(name: string, recurse: boolean): Promise<SecretRow[]> {
    const rows = await this.knex<Row>('secrets')
      .where((q) => underName(q, name, recurse))
      .orderBy('name');
    return rows.map(fromRow);
  }

  /**
   * A digest of the versions of the secrets `findUnder` reads: every write gives a secret a new id, so
   * this changes whenever one of them is written, added or deleted (also with the same value).
   */
  async versionsUnder(name: string, recurse: boolean): Promise<string> {
    // An aggregate without group by: always one row.
    const row = await this.knex('secrets')
      .where((q) => underName(q, name, recurse))
      .first<{ digest: string }>(this.knex.raw(`md5(coalesce(string_agg(id::text, ',' order by name), '')) as digest`));
    return row.digest;
  }

  async deleteByName(name: string): Promise<boolean> {
    // `returning` rather than the affected-row count, which the embedded driver does not report for deletes.
    return (await this.knex<Row>('secrets').where({ name }).del().returning('id')).length > 0;
  }
}
