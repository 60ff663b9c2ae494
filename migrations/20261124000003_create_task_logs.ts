import type { Knex } from 'knex';

/**
 * Task logs (event, debug, result, cpi) as append-only byte chunks. A chunk starts at `start_offset`
 * of its log, so any byte range is found through the primary key, whatever the log's size.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('task_logs', (t) => {
    t.integer('task_id').notNullable().references('id').inTable('tasks').onDelete('CASCADE');
    t.text('log').notNullable();
    t.bigInteger('start_offset').notNullable();
    t.binary('data').notNullable();
    t.primary(['task_id', 'log', 'start_offset']);
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTable('task_logs');
}
