import type { Knex } from 'knex';

/**
 * One row per node id in use: the process holding it (a random token, its host and pid) and when it
 * last said it was alive. A second process with the same node id refuses to start while the row is fresh.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('nodes', (t) => {
    t.text('node_id').primary();
    t.text('instance_token').notNullable();
    t.text('host').notNullable();
    t.integer('pid').notNullable();
    t.timestamp('started_at', { useTz: true }).notNullable();
    t.timestamp('last_seen_at', { useTz: true }).notNullable();
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTable('nodes');
}
