import type { Knex } from 'knex';

/**
 * Which config versions (cloud, runtime) a deployment was last deployed with: the deploy diff starts
 * from them, and `GET /deployments` says whether the deployment's cloud config is the latest.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('deployments_configs', (t) => {
    t.text('deployment').notNullable().references('name').inTable('deployments').onDelete('CASCADE');
    t.integer('config_id').notNullable().references('id').inTable('configs');
    t.primary(['deployment', 'config_id']);
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTable('deployments_configs');
}
