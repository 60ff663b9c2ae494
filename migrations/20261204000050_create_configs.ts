import type { Knex } from 'knex';

/**
 * The Director's configs (cloud, runtime, cpi and any other type): every upload is a new row, the
 * newest row of a (type, name) is its current version, and a delete marks the rows deleted, as the
 * Director's `configs` table does, so deployments keep the versions they were deployed with.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('configs', (t) => {
    t.increments('id').primary();
    t.text('type').notNullable();
    t.text('name').notNullable();
    t.text('content').notNullable();
    t.text('team');
    t.boolean('deleted').notNullable().defaultTo(false);
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.index(['type', 'name', 'deleted', 'id']);
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTable('configs');
}
