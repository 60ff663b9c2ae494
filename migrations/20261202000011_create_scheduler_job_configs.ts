import type { Knex } from 'knex';

/**
 * The scheduler's job configurations: an operation with its params, run on a cron schedule.
 * `next_run_at` is the next tick not yet fired (null: never again, or disabled); the firing loop reads
 * only rows where it is set, so disabled and finished configs cost nothing on its path.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('scheduler_job_configs', (t) => {
    t.uuid('id').primary();
    t.text('name').notNullable();
    t.text('description').notNullable().defaultTo('');
    t.text('operation').notNullable();
    t.jsonb('params').notNullable();
    t.text('run_at').notNullable();
    t.text('time_zone');
    t.text('run_on').notNullable().defaultTo('any');
    t.timestamp('start_date', { useTz: true });
    t.timestamp('end_date', { useTz: true });
    t.boolean('disabled').notNullable().defaultTo(false);
    t.text('misfire').notNullable().defaultTo('skip');
    t.boolean('allow_overlap').notNullable().defaultTo(false);
    t.timestamp('next_run_at', { useTz: true });
    t.text('created_by').notNullable();
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.timestamp('updated_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
  });
  await knex.raw(
    'create index scheduler_job_configs_due on scheduler_job_configs (next_run_at) where next_run_at is not null',
  );
  await knex.raw('create index scheduler_job_configs_by_created on scheduler_job_configs (created_at desc, id)');
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTable('scheduler_job_configs');
}
