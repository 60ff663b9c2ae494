import type { Knex } from 'knex';

/** Terraform state of each sync task (the `terraform.tfstate` JSON), so that any node can run its next run. */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('sync_task_states', (t) => {
    t.text('sync_task').primary().references('name').inTable('sync_tasks').onDelete('CASCADE');
    t.text('state').notNullable();
    t.integer('serial').notNullable().defaultTo(0);
    t.timestamp('updated_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTable('sync_task_states');
}
