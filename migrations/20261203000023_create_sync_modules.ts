import type { Knex } from 'knex';

/** Terraform modules uploaded as tarballs (`POST /v1/modules`), checked, and kept whole so every node can unpack them. */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('sync_modules', (t) => {
    t.text('name').notNullable();
    t.text('version').notNullable();
    t.text('sha256').notNullable();
    t.integer('size').notNullable();
    t.integer('files').notNullable();
    t.binary('archive').notNullable();
    t.text('created_by').notNullable();
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.primary(['name', 'version']);
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTable('sync_modules');
}
