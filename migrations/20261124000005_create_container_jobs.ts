import type { Knex } from 'knex';

/**
 * Container jobs (the GoStint job API). Each is one Director task; its state, times and logs are the
 * task's, and this row keeps what only a job has: its id, queue, image, container and exit code.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('container_jobs', (t) => {
    t.uuid('id').primary();
    t.integer('task_id').notNullable().unique().references('id').inTable('tasks').onDelete('CASCADE');
    t.text('qname');
    t.text('container_image').notNullable();
    t.boolean('tty').notNullable().defaultTo(false);
    t.text('container_id');
    t.integer('return_code');
    t.timestamp('submitted', { useTz: true }).notNullable().defaultTo(knex.fn.now());
  });
  await knex.raw('create index container_jobs_by_submitted on container_jobs (submitted desc, task_id desc)');
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTable('container_jobs');
}
