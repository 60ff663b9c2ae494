import type { Knex } from 'knex';

/**
 * The Drydock family's tables.
 *
 * - `drydock_designs`: site designs, each a YAML stream of Drydock documents, versioned (a new version
 *   of a design keeps its id; tasks name the version they resolved, so a later version never changes a
 *   task that already started).
 * - `drydock_tasks`: Drydock's task objects. A top-level task belongs to a Director task (its row goes
 *   with it); a subtask (one per node) has a parent and no Director task of its own.
 * - `drydock_task_messages`: each task's status messages, kept whole (Drydock cuts them to 128 characters).
 * - `drydock_nodes`: the site's nodes as provisioned: one container each.
 * - `drydock_build_data`: what was collected from a node; it outlives the tasks that collected it.
 * - `drydock_boot_actions`: each boot action instance of a node deployment, with the node's key.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('drydock_designs', (t) => {
    t.uuid('id').notNullable();
    t.integer('version').notNullable();
    t.text('documents').notNullable();
    t.text('created_by');
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.primary(['id', 'version']);
  });
  await knex.schema.createTable('drydock_tasks', (t) => {
    t.uuid('task_id').primary();
    t.integer('director_task_id').unique().references('id').inTable('tasks').onDelete('CASCADE');
    t.uuid('parent_task_id').references('task_id').inTable('drydock_tasks').onDelete('CASCADE');
    t.text('action').notNullable();
    t.text('node_name');
    t.text('design_ref').notNullable();
    t.uuid('design_id');
    t.integer('design_version');
    t.jsonb('node_filter');
    t.text('status').notNullable();
    t.text('result_status').notNullable();
    t.text('result_message');
    t.text('result_reason');
    t.jsonb('successes').notNullable();
    t.jsonb('failures').notNullable();
    t.jsonb('links').notNullable();
    t.text('created_by');
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.timestamp('updated_at', { useTz: true });
    t.boolean('terminate').notNullable().defaultTo(false);
    t.timestamp('terminated_at', { useTz: true });
    t.text('terminated_by');
    t.integer('retry').notNullable().defaultTo(0);
  });
  await knex.raw('create index drydock_tasks_by_parent on drydock_tasks (parent_task_id, created_at)');
  await knex.raw(
    'create index drydock_tasks_by_created on drydock_tasks (created_at desc) where parent_task_id is null',
  );
  await knex.schema.createTable('drydock_task_messages', (t) => {
    t.bigIncrements('id');
    t.uuid('task_id').notNullable().references('task_id').inTable('drydock_tasks').onDelete('CASCADE');
    t.text('message').notNullable();
    t.boolean('error').notNullable();
    t.text('context_type').notNullable();
    t.text('context').notNullable();
    t.timestamp('ts', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.jsonb('extra').notNullable();
  });
  await knex.raw('create index drydock_task_messages_by_task on drydock_task_messages (task_id, id)');
  await knex.schema.createTable('drydock_nodes', (t) => {
    t.text('name').primary();
    t.uuid('design_id');
    t.text('container_id');
    t.text('image');
    t.text('status_name').notNullable();
    t.integer('cpu_count');
    t.bigInteger('memory');
    t.jsonb('labels').notNullable();
    t.timestamp('updated_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
  });
  await knex.schema.createTable('drydock_build_data', (t) => {
    t.bigIncrements('id');
    t.text('node_name').notNullable();
    t.uuid('task_id').notNullable();
    t.timestamp('collected_date', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.text('generator').notNullable();
    t.text('data_format').notNullable();
    t.text('data_element').notNullable();
  });
  // `latest=true` is DISTINCT ON (generator) ordered by date: this index answers it without a sort.
  await knex.raw(
    'create index drydock_build_data_by_node on drydock_build_data (node_name, generator, collected_date desc, id desc)',
  );
  await knex.raw('create index drydock_build_data_by_task on drydock_build_data (task_id)');
  await knex.schema.createTable('drydock_boot_actions', (t) => {
    t.text('action_id').primary();
    t.text('node_name').notNullable();
    t.text('action_name').notNullable();
    t.uuid('task_id').notNullable().references('task_id').inTable('drydock_tasks').onDelete('CASCADE');
    t.text('identity_key').notNullable();
    t.text('action_status').notNullable();
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
  });
  await knex.raw('create index drydock_boot_actions_by_node on drydock_boot_actions (node_name, created_at desc)');
}

export async function down(knex: Knex): Promise<void> {
  for (const table of [
    'drydock_boot_actions',
    'drydock_build_data',
    'drydock_nodes',
    'drydock_task_messages',
    'drydock_tasks',
    'drydock_designs',
  ]) {
    await knex.schema.dropTableIfExists(table);
  }
}
