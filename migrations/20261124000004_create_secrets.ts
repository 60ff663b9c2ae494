import type { Knex } from 'knex';

/** bosun's secret store: one current version per name, the value encrypted with AES-256-GCM. */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('secrets', (t) => {
    t.uuid('id').primary();
    t.text('name').notNullable().unique();
    t.text('type').notNullable();
    t.binary('ciphertext').notNullable();
    t.binary('iv').notNullable();
    t.binary('auth_tag').notNullable();
    t.timestamp('version_created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTable('secrets');
}
