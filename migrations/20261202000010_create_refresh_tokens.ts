import type { Knex } from 'knex';

/**
 * Refresh tokens of the bearer-token API: kept hashed (SHA-256 of a 256-bit random token: a leaked
 * table gives no usable token), revocable one by one or per user, shared by every node.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('refresh_tokens', (t) => {
    t.uuid('id').primary();
    t.text('token_hash').notNullable().unique();
    t.text('username').notNullable().index();
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.timestamp('expires_at', { useTz: true }).notNullable();
    t.timestamp('revoked_at', { useTz: true });
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTable('refresh_tokens');
}
