import type { Knex } from 'knex';

export interface ResurrectionClaim {
  instanceId: string;
  containerId: string;
  deployment: string;
  nodeId: string;
  reason: string;
}

/** All SQL on `resurrections`: the claims of repairs, and the recent history the back-off reads. */
export class ResurrectionsRepo {
  constructor(private readonly knex: Knex) {}

  /**
   * An instance's repairs within the last `windowSeconds`, and how long ago (by the database's clock,
   * the one every node shares) the last one was queued.
   */
  async recent(instanceId: string, windowSeconds: number): Promise<{ count: number; secondsSinceLast: number | null }> {
    const row = (await this.knex('resurrections')
      .where({ instance_id: instanceId })
      .whereRaw(`created_at > now() - make_interval(secs => ?)`, [windowSeconds])
      .select(
        this.knex.raw('count(*)::int as count'),
        this.knex.raw('extract(epoch from now() - max(created_at))::float8 as since'),
      )
      .first()) as { count: number; since: number | null } | undefined;
    return { count: Number(row?.count ?? 0), secondsSinceLast: row?.since == null ? null : Number(row.since) };
  }

  /** Whether a repair queued for the instance has not ended yet (it will see the instance as it is). */
  async pending(instanceId: string): Promise<boolean> {
    const row = (await this.knex('resurrections as r')
      .join('tasks as t', 't.id', 'r.task_id')
      .where('r.instance_id', instanceId)
      .whereIn('t.state', ['queued', 'processing', 'cancelling'])
      .first('r.task_id')) as unknown;
    return Boolean(row);
  }

  /**
   * The claim, in the transaction that queues the repair task: the next attempt for this container's
   * death. Two nodes that saw the same death compute the same attempt; the primary key lets one insert
   * through, and the other's transaction (its task with it) is rolled back. A node that comes later,
   * when the first repair is queued or running, claims nothing either.
   */
  async claim(trx: Knex.Transaction, c: ResurrectionClaim, taskId: number): Promise<boolean> {
    const inserted = await trx.raw<{ rows: unknown[] }>(
      `insert into resurrections (instance_id, container_id, attempt, deployment, node_id, task_id, reason)
       select ?, ?, coalesce(max(attempt), 0) + 1, ?, ?, ?, ?
         from resurrections where instance_id = ? and container_id = ?
       having not exists (
         select 1 from resurrections r join tasks t on t.id = r.task_id
          where r.instance_id = ? and r.task_id <> ? and t.state in ('queued', 'processing', 'cancelling'))
       on conflict do nothing
       returning attempt`,
      [
        c.instanceId,
        c.containerId,
        c.deployment,
        c.nodeId,
        taskId,
        c.reason,
        c.instanceId,
        c.containerId,
        c.instanceId,
        taskId,
      ],
    );
    return inserted.rows.length > 0;
  }
}
