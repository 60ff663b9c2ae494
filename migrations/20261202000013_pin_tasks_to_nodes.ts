import type { Knex } from 'knex';
import { sqlStates, UNFINISHED_STATES } from '../src/tasks/task';
import * as taskFunctions from './20261129000007_create_task_functions';

/**
 * A task may be pinned to one node (a scheduler job configuration with `run_on: <node>`): only that
 * node's runner claims it, and while the node is down the task waits for it. The enqueue function gains
 * the pin; the claim function skips tasks pinned elsewhere (a filter on the few queued rows it reads).
 *
 * The claim also stamps `started_at` with the clock at the claim, not the calling statement's start
 * (`now()`): the statement inside the function takes its own snapshot later, and a task of a serial
 * queue whose predecessor's end committed in between would otherwise start "before" that end.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.raw('alter table tasks add column pinned_node_id text');
  await knex.raw(
    'drop function bosun_enqueue_tasks(text[], text[], text[], text[], text[], text[], jsonb[], text[], text[], text[], boolean)',
  );
  await knex.raw(`
    create function bosun_enqueue_tasks(p_types text[], p_states text[], p_descriptions text[], p_deployment_names text[],
                                        p_usernames text[], p_context_ids text[], p_params jsonb[], p_queue_names text[],
                                        p_node_ids text[], p_pinned_node_ids text[], p_debug text[], p_notify boolean)
    returns setof tasks language plpgsql as $$
    declare
      t tasks;
    begin
      for i in 1 .. coalesce(array_length(p_types, 1), 0) loop
        insert into tasks (type, state, description, deployment_name, username, context_id, params, queue_name,
                           node_id, pinned_node_id, started_at, checkpoint_time)
        values (p_types[i], p_states[i], p_descriptions[i], p_deployment_names[i], p_usernames[i], p_context_ids[i],
                p_params[i], p_queue_names[i], p_node_ids[i], p_pinned_node_ids[i],
                case when p_node_ids[i] is null then null else now() end,
                case when p_node_ids[i] is null then null else now() end)
        returning * into t;
        insert into task_logs (task_id, log, start_offset, data)
        values (t.id, 'debug', 0, convert_to(replace(replace(p_debug[i], '[task:0]', '[task:' || t.id || ']'), '%ID%', t.id::text), 'UTF8'));
        if p_notify and t.state = ${sqlStates('queued')} then
          perform pg_notify('bosun_tasks', 'queued:' || t.id || ':' || t.type);
        end if;
        return next t;
      end loop;
    end $$`);

  await knex.raw(`
    create or replace function bosun_claim_tasks(p_node_id text, p_limit int, p_types text[], p_start_line text)
    returns table (task json, log_sizes jsonb) language plpgsql as $$
    #variable_conflict use_column
    begin
      return query
      -- The type and the pin are tested as filters, not as index conditions (see migration 20261129000007).
      with picked as (
        select t.id from tasks t
         where t.state = ${sqlStates('queued')} and array_position(p_types, t.type) is not null
           and (t.pinned_node_id is null or t.pinned_node_id = p_node_id)
           and (t.queue_name is null or not exists (
                 select 1 from tasks o
                  where o.queue_name = t.queue_name and o.id < t.id
                    and o.state in (${sqlStates(...UNFINISHED_STATES)})))
         order by t.id
         limit p_limit
         for update skip locked),
      claimed as (
        update tasks set state = ${sqlStates('processing')}, node_id = p_node_id, started_at = clock_timestamp(), timestamp = clock_timestamp(),
                         checkpoint_time = now()
          from picked where tasks.id = picked.id
        returning tasks.*),
      sizes as (
        select l.task_id, l.log, max(l.start_offset + octet_length(l.data)) as size
          from task_logs l join claimed c on c.id = l.task_id
         group by l.task_id, l.log),
      started as (
        insert into task_logs (task_id, log, start_offset, data)
        select c.id, 'debug', coalesce(s.size, 0),
               convert_to(replace(replace(p_start_line, '[task:0]', '[task:' || c.id || ']'), '%ID%', c.id::text), 'UTF8')
          from claimed c left join sizes s on s.task_id = c.id and s.log = 'debug'
        returning task_id, start_offset + octet_length(data) as debug_size)
      select row_to_json(claimed),
             coalesce((select jsonb_object_agg(s.log, s.size) from sizes s where s.task_id = claimed.id), '{}'::jsonb)
               || jsonb_build_object('debug', started.debug_size)
        from claimed join started on started.task_id = claimed.id;
    end $$`);
}

/** Back to the functions as 20261129000007 made them, and no pin. */
export async function down(knex: Knex): Promise<void> {
  await knex.raw(
    'drop function bosun_enqueue_tasks(text[], text[], text[], text[], text[], text[], jsonb[], text[], text[], text[], text[], boolean)',
  );
  // A stand-in with the old signature, for 20261129000007's down to drop before its up recreates all four.
  await knex.raw(
    'create function bosun_enqueue_tasks(text[], text[], text[], text[], text[], text[], jsonb[], text[], text[], text[], boolean) returns void language sql as $$ select $$',
  );
  await taskFunctions.down(knex);
  await taskFunctions.up(knex);
  await knex.raw('alter table tasks drop column pinned_node_id');
}
