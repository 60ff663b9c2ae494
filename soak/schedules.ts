import type { CheckResult } from './checks';
import type { SoakCluster } from './cluster';
import type { RawRows } from '../src/db/row-values';

/** Scheduler configs firing every few seconds through the load (6-field cron, bosun's extension). */
const SCHEDULES = ['*/2 * * * * *', '*/3 * * * * *', '*/5 * * * * *'];

/** Creates the configs through either node; returns their ids. */
export async function createSchedules(cluster: SoakCluster): Promise<string[]> {
  const ids: string[] = [];
  for (const [i, runAt] of SCHEDULES.entries()) {
    const node = cluster.live()[i % cluster.live().length];
    const reply = await node.client!.request('POST', '/api/v1/scheduler/job-configs', {
      auth: cluster.admin,
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({
        name: `soak ${runAt}`,
        operation: 'test_ticking',
        run_at: runAt,
        allow_overlap: true,
        job_config_params: { ms: 50 },
      }),
    });
    if (reply.status !== 201) throw new Error(`creating a schedule: ${reply.status} ${reply.text}`);
    ids.push((JSON.parse(reply.text) as { id: string }).id);
  }
  return ids;
}

/** Deletes the configs (before the bad-input part, whose fingerprints need a still database). */
export async function deleteSchedules(cluster: SoakCluster, ids: string[]): Promise<void> {
  for (const id of ids) {
    const reply = await cluster
      .live()[0]
      .client!.request('DELETE', `/api/v1/scheduler/job-configs/${id}`, { auth: cluster.admin });
    if (reply.status !== 204) throw new Error(`deleting a schedule: ${reply.status} ${reply.text}`);
  }
}

/**
 * Every tick of every config has exactly one run, across the SIGKILL, and every run got one task (none
 * left without one once the nodes are quiet).
 */
export async function checkSchedules(cluster: SoakCluster, ids: string[]): Promise<CheckResult[]> {
  const perTick = await cluster.knex.raw<RawRows<{ config_id: string; fire_at: Date; n: number }>>(
    `select config_id, fire_at, count(*)::int as n from scheduler_runs where config_id = any(?::uuid[]) group by 1, 2`,
    [ids],
  );
  const twice = perTick.rows
    .filter((r) => r.n !== 1)
    .map((r) => `${r.config_id} at ${new Date(r.fire_at).toISOString()}: ${r.n} runs`);
  const orphans = await cluster.knex.raw<RawRows>(
    `select id from scheduler_runs where config_id = any(?::uuid[]) and task_id is null and status is null`,
    [ids],
  );
  const starts = await cluster.knex.raw<RawRows>(
    `select r.id from scheduler_runs r join tasks t on t.id = r.task_id where r.config_id = any(?::uuid[]) and t.state not in ('done', 'error', 'cancelled', 'timeout')`,
    [ids],
  );
  return [
    {
      name: 'schedules: exactly one run per tick across the SIGKILL',
      ok: perTick.rows.length > 0 && twice.length === 0,
      detail: twice.length
        ? twice.slice(0, 10).join(', ')
        : `${perTick.rows.length} ticks of ${ids.length} configs, one run each`,
    },
    {
      name: 'schedules: every run got its task, and every task ended',
      ok: orphans.rows.length === 0 && starts.rows.length === 0,
      detail:
        orphans.rows.length || starts.rows.length
          ? `${orphans.rows.length} without a task, ${starts.rows.length} unfinished`
          : 'all ran',
    },
  ];
}
