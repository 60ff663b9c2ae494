import type { Knex } from 'knex';
import { RUNNING_STATES, sqlStates, UNFINISHED_STATES } from '../src/tasks/task';

/**
 * Director tasks. `timestamp` has the Director's meaning: creation time, then start time, then finish
 * time; lists are ordered by it. `queue_name` makes a serial queue: a task runs only when no older task of
 * its queue is unfinished. `node_id` names the node running it; `checkpoint_time` is its liveness.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('tasks', (t) => {
    t.increments('id').primary();
    t.text('type').notNullable();
    t.text('state').notNullable();
    t.text('description').notNullable();
    t.text('deployment_name');
    t.text('username');
    t.string('context_id', 64).notNullable().defaultTo('');
    t.jsonb('params').notNullable().defaultTo('{}');
    t.text('result');
    t.text('queue_name');
    t.text('node_id');
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.timestamp('timestamp', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.timestamp('started_at', { useTz: true });
    t.timestamp('checkpoint_time', { useTz: true });
  });
  await knex.raw('create index tasks_by_timestamp on tasks (timestamp desc, id desc)');
  await knex.raw(`create index tasks_queued on tasks (id) where state = ${sqlStates('queued')}`);
  await knex.raw(
    `create index tasks_unfinished_by_queue on tasks (queue_name, id)
       where queue_name is not null and state in (${sqlStates(...UNFINISHED_STATES)})`,
  );
  await knex.raw(
    `create index tasks_running on tasks (node_id, checkpoint_time) where state in (${sqlStates(...RUNNING_STATES)})`,
  );
  await knex.raw('create index tasks_by_type on tasks (type, id desc)');
  await knex.raw(
    'create index tasks_by_deployment on tasks (deployment_name, timestamp desc) where deployment_name is not null',
  );
  await knex.raw(`create index tasks_by_context on tasks (context_id) where context_id <> ''`);
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTable('tasks');
}
