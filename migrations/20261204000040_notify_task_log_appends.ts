import type { Knex } from 'knex';

/**
 * Every statement that appends to `task_logs` tells the nodes how far each log it touched now reaches
 * (`<task id>:<log>:<size>` on the channel `bosun_task_logs`), so that a client following a log on any node
 * is woken when the bytes are committed, whichever node wrote them. A statement-level trigger sends one
 * notification per log a statement appended to, however many chunks it carried (a node's log batcher puts
 * many tasks' chunks in one statement); PostgreSQL delivers them at commit. The size is read from each
 * chunk's length, which for a stored value costs no detoasting.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.raw(`
    create function bosun_notify_task_log_appends() returns trigger language plpgsql as $$
    begin
      perform pg_notify('bosun_task_logs', a.task_id || ':' || a.log || ':' || a.size)
        from (select task_id, log, max(start_offset + octet_length(data)) as size
                from appended group by task_id, log) a;
      return null;
    end $$`);
  await knex.raw(`
    create trigger task_logs_appended after insert on task_logs referencing new table as appended
      for each statement execute function bosun_notify_task_log_appends()`);
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw('drop trigger task_logs_appended on task_logs');
  await knex.raw('drop function bosun_notify_task_log_appends()');
}
