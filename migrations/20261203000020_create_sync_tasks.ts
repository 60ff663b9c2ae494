import type { Knex } from 'knex';

/**
 * Sync tasks (the Consul-Terraform-Sync task API): a task's configuration as the client gave it, and
 * what the nodes share about the data it watches. `seen_fingerprint` / `seen_hash` are the watched data
 * as last seen (a cheap fingerprint, and a hash of the content); a node that sees them change sets
 * `pending` with a conditional update, so one change is recorded once whichever nodes see it.
 * `pending` is cleared in the transaction that queues the run's task. `next_tick_at` is a schedule
 * condition's next tick, moved on by the node that records it. A change waits for quiet
 * (`buffer_min_ms` after `last_change_at`), at most `buffer_max_ms` after `first_change_at`.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('sync_tasks', (t) => {
    t.text('name').primary();
    t.text('description').notNullable().defaultTo('');
    t.boolean('enabled').notNullable().defaultTo(true);
    t.text('module').notNullable();
    t.text('version').notNullable().defaultTo('');
    t.jsonb('variables').notNullable().defaultTo('{}');
    t.jsonb('providers').notNullable().defaultTo('[]');
    t.jsonb('condition').notNullable();
    t.jsonb('module_input').notNullable().defaultTo('{}');
    t.jsonb('buffer_period').notNullable();
    t.text('created_by').notNullable();
    t.boolean('deleting').notNullable().defaultTo(false);
    /** instances | secrets | schedule, and the buffer in milliseconds: what the dispatch query reads. */
    t.text('watch_kind').notNullable();
    t.boolean('buffer_enabled').notNullable();
    t.integer('buffer_min_ms').notNullable();
    t.integer('buffer_max_ms').notNullable();
    t.text('seen_fingerprint');
    t.text('seen_hash');
    t.boolean('pending').notNullable().defaultTo(false);
    t.timestamp('first_change_at', { useTz: true });
    t.timestamp('last_change_at', { useTz: true });
    t.timestamp('next_tick_at', { useTz: true });
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.timestamp('updated_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
  });
  await knex.raw('create index sync_tasks_pending on sync_tasks (name) where pending');
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTable('sync_tasks');
}
