import type { Knex } from 'knex';
import { RUNNING_STATES, sqlStates, UNFINISHED_STATES } from '../src/tasks/task';

/**
 * The statements every task runs (queue, claim, end) and retention's survey, as PL/pgSQL functions:
 * a function's statements are planned once per connection and their plans kept, where the same SQL
 * sent as a query is planned on every call (planning these took longer than running them). The
 * channel `bosun_tasks` and its payloads are those of src/db/notifier.ts.
 */
export async function up(knex: Knex): Promise<void> {
  // Queues tasks in the order given (their ids ascending in that order), each with the first lines of its
  // debug log; a task given a node is created claimed by that node (LocalDispatch) and wakes no one.
  await knex.raw(`
    create function bosun_enqueue_tasks(p_types text[], p_states text[], p_descriptions text[], p_deployment_names text[],
                                        p_usernames text[], p_context_ids text[], p_params jsonb[], p_queue_names text[],
                                        p_node_ids text[], p_debug text[], p_notify boolean)
    returns setof tasks language plpgsql as $$
    declare
      t tasks;
    begin
      for i in 1 .. coalesce(array_length(p_types, 1), 0) loop
        insert into tasks (type, state, description, deployment_name, username, context_id, params, queue_name,
                           node_id, started_at, checkpoint_time)
        values (p_types[i], p_states[i], p_descriptions[i], p_deployment_names[i], p_usernames[i], p_context_ids[i],
                p_params[i], p_queue_names[i], p_node_ids[i],
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
    create function bosun_claim_tasks(p_node_id text, p_limit int, p_types text[], p_start_line text)
    returns table (task json, log_sizes jsonb) language plpgsql as $$
    #variable_conflict use_column
    begin
      return query
      -- The type is tested as a filter (array_position), not as an index condition: by type, the scan
      -- would read every task of those types ever run (tasks_by_type) to find the few queued ones.
      with picked as (
        select t.id from tasks t
         where t.state = ${sqlStates('queued')} and array_position(p_types, t.type) is not null
           and (t.queue_name is null or not exists (
                 select 1 from tasks o
                  where o.queue_name = t.queue_name and o.id < t.id
                    and o.state in (${sqlStates(...UNFINISHED_STATES)})))
         order by t.id
         limit p_limit
         for update skip locked),
      claimed as (
        update tasks set state = ${sqlStates('processing')}, node_id = p_node_id, started_at = now(), timestamp = now(),
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

  await knex.raw(`
    create function bosun_finish_tasks(p_node_id text, p_ids int[], p_states text[], p_results text[],
                                       p_log_task_ids int[], p_logs text[], p_offsets bigint[], p_data bytea[],
                                       p_notify boolean)
    returns setof int language plpgsql as $$
    #variable_conflict use_column
    declare
      ids int[];
      queues text[];
    begin
      with v as (select * from unnest(p_ids, p_states, p_results) as v(id, state, result)),
      ended as (
        update tasks t set state = v.state, result = v.result, timestamp = now()
          from v where t.id = v.id and t.node_id = p_node_id and t.state in (${sqlStates(...RUNNING_STATES)})
        returning t.id, t.queue_name),
      lines as (
        insert into task_logs (task_id, log, start_offset, data)
        select c.task_id, c.log, c.start_offset, c.data
          from unnest(p_log_task_ids, p_logs, p_offsets, p_data) as c(task_id, log, start_offset, data)
          join ended on ended.id = c.task_id)
      select array_agg(ended.id), array_agg(ended.queue_name) into ids, queues from ended;
      if p_notify and ids is not null then
        perform pg_notify('bosun_tasks', 'finished:' || u.id || coalesce(':' || u.queue_name, ''))
           from unnest(ids, queues) as u(id, queue_name);
      end if;
      return query select unnest(ids);
    end $$`);

  await knex.raw(`
    create function bosun_types_over_retention(p_keep int)
    returns setof text language plpgsql as $$
    begin
      return query
      with recursive t(type) as (
        (select type from tasks order by type limit 1)
        union all
        select (select x.type from tasks x where x.type > t.type order by x.type limit 1) from t where t.type is not null)
      select t.type from t
       where t.type is not null
         and (select max(id) from tasks x where x.type = t.type) - (select min(id) from tasks x where x.type = t.type) >= p_keep
         and exists (select 1 from tasks f where f.type = t.type and f.state not in (${sqlStates(...UNFINISHED_STATES)}));
    end $$`);
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw('drop function bosun_types_over_retention(int)');
  await knex.raw(
    'drop function bosun_finish_tasks(text, int[], text[], text[], int[], text[], bigint[], bytea[], boolean)',
  );
  await knex.raw('drop function bosun_claim_tasks(text, int, text[], text)');
  await knex.raw(
    'drop function bosun_enqueue_tasks(text[], text[], text[], text[], text[], text[], jsonb[], text[], text[], text[], boolean)',
  );
}
