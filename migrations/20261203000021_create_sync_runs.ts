import type { Knex } from 'knex';

/**
 * The runs of sync tasks: CTS's events. A run is stored with its Director task, in the task's
 * transaction; its end and outcome are written by the run, or read from the task when the run could
 * not write them (its node died). `task_id` is set null when task retention deletes the task: the event
 * stays. Only the newest `syncs.events_per_task` runs of a task are kept.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('sync_runs', (t) => {
    t.bigIncrements('id').primary();
    t.text('sync_task').notNullable().references('name').inTable('sync_tasks').onDelete('CASCADE');
    t.integer('task_id').unique().references('id').inTable('tasks').onDelete('SET NULL');
    t.text('trigger').notNullable();
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.timestamp('started_at', { useTz: true });
    t.timestamp('ended_at', { useTz: true });
    t.boolean('success');
    t.text('error');
  });
  await knex.raw('create index sync_runs_by_task on sync_runs (sync_task, id desc)');
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTable('sync_runs');
}
