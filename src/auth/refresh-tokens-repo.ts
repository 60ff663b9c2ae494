import type { Knex } from 'knex';
import { dateColumn, type Row } from '../db/row-values';

export interface RefreshTokenRow {
  id: string;
  username: string;
  createdAt: Date;
  expiresAt: Date;
  revokedAt: Date | null;
}

const present = (r: Record<string, unknown>): RefreshTokenRow => ({
  id: String(r.id),
  username: String(r.username),
  createdAt: dateColumn(r.created_at)!,
  expiresAt: dateColumn(r.expires_at)!,
  revokedAt: dateColumn(r.revoked_at),
});

/** SQL on `refresh_tokens`: stored by hash, looked up by hash, revoked by id or by user. */
export class RefreshTokensRepo {
  constructor(private readonly knex: Knex) {}

  async insert(row: { id: string; tokenHash: string; username: string; expiresAt: Date }): Promise<void> {
    await this.knex<Row>('refresh_tokens').insert({
      id: row.id,
      token_hash: row.tokenHash,
      username: row.username,
      expires_at: row.expiresAt,
    });
  }

  /** The live (unrevoked, unexpired) token with this hash. */
  async findLive(tokenHash: string): Promise<RefreshTokenRow | null> {
    const row = await this.knex<Row>('refresh_tokens')
      .where({ token_hash: tokenHash })
      .whereNull('revoked_at')
      .where('expires_at', '>', this.knex.fn.now())
      .first();
    return row ? present(row) : null;
  }

  async list(username?: string): Promise<RefreshTokenRow[]> {
    const q = this.knex<Row>('refresh_tokens').whereNull('revoked_at').where('expires_at', '>', this.knex.fn.now());
    if (username) q.where({ username });
    return (await q.orderBy('created_at', 'desc').limit(1000)).map(present);
  }

  /** Revokes one token; false when there is no live token with that id. */
  async revoke(id: string): Promise<boolean> {
    return (
      (await this.knex<Row>('refresh_tokens')
        .where({ id })
        .whereNull('revoked_at')
        .update({ revoked_at: this.knex.fn.now() })) > 0
    );
  }

  /** Revokes every live token of a user; the count revoked. */
  async revokeUser(username: string): Promise<number> {
    return this.knex<Row>('refresh_tokens')
      .where({ username })
      .whereNull('revoked_at')
      .update({ revoked_at: this.knex.fn.now() });
  }
}
