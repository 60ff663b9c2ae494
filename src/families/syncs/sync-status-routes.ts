import Router from '@koa/router';
import type { Knex } from 'knex';
import type { AppContext, AppState } from '../../http/context';
import { invalidField, SyncError, taskNotFound } from './sync-errors';
import { presentTaskStatus, statusOf, TaskStatus } from './sync-presenters';
import type { SyncRunsRepo } from './sync-runs-repo';
import { moduleInputs, SyncTask } from './sync-task';
import type { SyncTasksRepo } from './sync-tasks-repo';
import type { TerraformBinary } from './terraform-binary';

const STATUSES: TaskStatus[] = ['successful', 'errored', 'critical', 'unknown'];

export interface SyncStatusRouteDeps {
  knex: Knex;
  repo: SyncTasksRepo;
  runs: SyncRunsRepo;
  terraform: TerraformBinary;
  eventsPerTask: number;
}

function single(ctx: AppContext, key: string): string | undefined {
  const v = ctx.query[key];
  if (Array.isArray(v)) throw invalidField(key, 'given more than once');
  return v;
}

/** `/v1/status`, `/v1/status/tasks[/:name]` and `/v1/health`. */
export function syncStatusRoutes(d: SyncStatusRouteDeps): Router<AppState> {
  const router = new Router<AppState>({ prefix: '/v1' });

  /** CTS's `services` of a task status: the instance groups a task gives its module. */
  async function services(t: SyncTask): Promise<string[]> {
    const w = moduleInputs(t).instances;
    if (!w) return [];
    if (w.instance_group) return [w.instance_group];
    const rows = await d
      .knex('instances')
      .where({ deployment: w.deployment })
      .distinct('instance_group')
      .orderBy('instance_group');
    return rows.map((r: { instance_group: string }) => r.instance_group);
  }

  async function statuses(ctx: AppContext, tasks: SyncTask[]): Promise<Record<string, unknown>> {
    const include = single(ctx, 'include');
    if (include !== undefined && include !== 'events')
      throw invalidField('include', `must be events, not '${include}'`);
    const status = single(ctx, 'status');
    if (status !== undefined && !STATUSES.includes(status as TaskStatus))
      throw invalidField('status', `must be one of ${STATUSES.join(', ')}`);
    const runs = await d.runs.newest(
      tasks.map((t) => t.name),
      d.eventsPerTask,
    );
    const out: Record<string, unknown> = {};
    for (const t of tasks) {
      const events = runs.get(t.name) ?? [];
      if (status && statusOf(events) !== status) continue;
      out[t.name] = presentTaskStatus(t, events, await services(t), include === 'events');
    }
    return out;
  }

  router.get('/status', async (ctx: AppContext) => {
    const tasks = await d.repo.list();
    const runs = await d.runs.newest(null, d.eventsPerTask);
    const counts: Record<TaskStatus, number> = { successful: 0, errored: 0, critical: 0, unknown: 0 };
    for (const t of tasks) counts[statusOf(runs.get(t.name) ?? [])]++;
    const enabled = await d.repo.countEnabled();
    ctx.body = {
      request_id: ctx.state.requestId,
      task_summary: { status: counts, enabled: { true: enabled.enabled, false: enabled.disabled } },
    };
  });

  // A map of task name to status, as CTS answers it; the request id sits beside them (no task may be named request_id).
  router.get('/status/tasks', async (ctx: AppContext) => {
    ctx.body = { request_id: ctx.state.requestId, ...(await statuses(ctx, await d.repo.list())) };
  });

  router.get('/status/tasks/:name', async (ctx: AppContext) => {
    const task = await d.repo.find(ctx.params.name);
    if (!task) throw taskNotFound(ctx.params.name);
    const include = single(ctx, 'include');
    if (include !== undefined && include !== 'events')
      throw invalidField('include', `must be events, not '${include}'`);
    if (ctx.query.status !== undefined) throw invalidField('status', 'filters only the list of all tasks');
    ctx.body = { request_id: ctx.state.requestId, ...(await statuses(ctx, [task])) };
  });

  router.get('/health', async (ctx: AppContext) => {
    const check = await d.terraform.check();
    if (!check.ok) throw new SyncError(503, `terraform is not available: ${check.problem}`);
    ctx.body = { request_id: ctx.state.requestId, terraform: { path: check.path, version: check.version } };
  });

  return router;
}
