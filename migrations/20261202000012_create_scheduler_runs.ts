import type { Knex } from 'knex';

/**
 * The scheduler's job runs. A scheduled run is one row per (config, tick): the unique index is what
 * keeps a tick from firing twice when several nodes wake for it. `task_id` is set in the transaction
 * that stores the run's task (null only for a moment, or for a run that never got one: `status` then
 * says why, e.g. `skipped`); the run goes with its task. `config_id` is no foreign key: a deleted
 * config's past runs stay, with its name, operation and params as they were when it ran.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('scheduler_runs', (t) => {
    t.uuid('id').primary();
    t.uuid('config_id').notNullable();
    t.timestamp('fire_at', { useTz: true });
    t.text('trigger').notNullable();
    t.integer('task_id').unique().references('id').inTable('tasks').onDelete('CASCADE');
    t.text('status');
    t.text('error');
    t.text('name').notNullable();
    t.text('description').notNullable();
    t.text('operation').notNullable();
    t.jsonb('params').notNullable();
    t.text('username').notNullable();
    t.text('node_id').notNullable();
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
  });
  await knex.raw('create unique index scheduler_runs_one_per_tick on scheduler_runs (config_id, fire_at)');
  await knex.raw('create index scheduler_runs_by_created on scheduler_runs (created_at desc, id)');
  await knex.raw(
    'create index scheduler_runs_unattached on scheduler_runs (created_at) where task_id is null and status is null',
  );
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTable('scheduler_runs');
}
