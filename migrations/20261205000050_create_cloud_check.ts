import type { Knex } from 'knex';

/**
 * Cloud check and resurrection.
 *
 * - `deployment_problems`: what a scan found, as the Director keeps them: `open` until the next scan
 *   closes them or a resolution resolves them; ids are what `bosh cck` shows and answers with.
 * - `instances.ignore`: `bosh ignore`: the instance is left out of scans, fixes and resurrection.
 * - `resurrections`: one row per repair a node queued for a dead or missing container. Its key (the
 *   instance, the container, the attempt) is the claim: of several nodes that saw the same death, the
 *   one whose insert wins queues the repair. An instance's recent rows are its recent failures, from
 *   which the back-off is counted.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('deployment_problems', (t) => {
    t.increments('id').primary();
    t.text('deployment').notNullable().references('name').inTable('deployments').onDelete('CASCADE');
    t.uuid('instance_id').notNullable().references('id').inTable('instances').onDelete('CASCADE');
    t.text('type').notNullable();
    /** open | closed | resolved */
    t.text('state').notNullable().defaultTo('open');
    t.jsonb('data').notNullable().defaultTo('{}');
    t.integer('counter').notNullable().defaultTo(1);
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.timestamp('last_seen_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
  });
  await knex.raw(
    `create index deployment_problems_open on deployment_problems (deployment, instance_id) where state = 'open'`,
  );
  await knex.schema.alterTable('instances', (t) => {
    t.boolean('ignore').notNullable().defaultTo(false);
  });
  await knex.schema.createTable('resurrections', (t) => {
    t.uuid('instance_id').notNullable().references('id').inTable('instances').onDelete('CASCADE');
    t.text('container_id').notNullable();
    /** 1 for the first repair of this container's death, 2 for a retry after a failed repair... */
    t.integer('attempt').notNullable();
    t.text('deployment').notNullable();
    t.text('node_id').notNullable();
    t.integer('task_id');
    t.text('reason').notNullable();
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.primary(['instance_id', 'container_id', 'attempt']);
  });
  await knex.raw('create index resurrections_recent on resurrections (instance_id, created_at desc)');
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTable('resurrections');
  await knex.schema.alterTable('instances', (t) => {
    t.dropColumn('ignore');
  });
  await knex.schema.dropTable('deployment_problems');
}
