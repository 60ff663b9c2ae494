import type { Knex } from 'knex';

/**
 * `drydock_report_lines`: the event lines of boot-action reports not yet in their Director task's event
 * log. A report stores its lines here with its status messages, wherever it arrives; while the deploy
 * runs, the node running it takes them into its event log (its writer alone appends to that log then),
 * and once the task has ended, whoever holds the task's row appends them. A line is deleted by
 * whoever writes it, so each is written once.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('drydock_report_lines', (t) => {
    t.bigIncrements('id');
    t.integer('director_task_id').notNullable().references('id').inTable('tasks').onDelete('CASCADE');
    t.text('node_name').notNullable();
    t.text('action_name').notNullable();
    t.text('message').notNullable();
    t.boolean('error').notNullable();
  });
  await knex.raw('create index drydock_report_lines_by_task on drydock_report_lines (director_task_id, id)');
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTableIfExists('drydock_report_lines');
}
