import Router from '@koa/router';
import type { Knex } from 'knex';
import { z } from 'zod';
import type { AppContext, AppState } from '../../http/context';
import { queryOnce, withInput } from '../../http/validate';
import { invalidInput, SyncError, taskNotFound } from './sync-errors';
import { presentTaskStatus, statusOf, TaskStatus } from './sync-presenters';
import type { SyncRunsRepo } from './sync-runs-repo';
import { moduleInputs, SyncTask } from './sync-task';
import type { SyncTasksRepo } from './sync-tasks-repo';
import type { TerraformBinary } from './terraform-binary';

const STATUSES = ['successful', 'errored', 'critical', 'unknown'] as const satisfies TaskStatus[];

export interface SyncStatusRouteDeps {
  knex: Knex;
  repo: SyncTasksRepo;
  runs: SyncRunsRepo;
  terraform: TerraformBinary;
  eventsPerTask: number;
}

const single = queryOnce('given more than once');

/** `?include=events` adds each task's recent events. */
const include = single.transform((v, check) => {
  if (v === undefined || v === 'events') return v === 'events';
  check.addIssue({ code: 'custom', message: `must be events, not '${v}'` });
  return z.NEVER;
});

const listQuery = z.object({
  include,
  status: single.pipe(z.enum(STATUSES, `must be one of ${STATUSES.join(', ')}`).optional()),
});

/** One task's status: `status` filters only the list of all tasks. */
const oneTaskQuery = z.object({
  include,
  status: z.undefined('filters only the list of all tasks').optional(),
});

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

  async function statuses(
    tasks: SyncTask[],
    { include, status }: { include: boolean; status?: TaskStatus },
  ): Promise<Record<string, unknown>> {
    const runs = await d.runs.newest(
      tasks.map((t) => t.name),
      d.eventsPerTask,
    );
    const out: Record<string, unknown> = {};
    for (const t of tasks) {
      const events = runs.get(t.name) ?? [];
      if (status && statusOf(events) !== status) continue;
      out[t.name] = presentTaskStatus(t, events, await services(t), include);
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
  router.get(
    '/status/tasks',
    withInput({ query: listQuery }, invalidInput, async (ctx, { query }) => {
      ctx.body = { request_id: ctx.state.requestId, ...(await statuses(await d.repo.list(), query)) };
    }),
  );

  router.get('/status/tasks/:name', async (ctx: AppContext) => {
    const task = await d.repo.find(ctx.params.name);
    // The task first: an unknown task is a 404 whatever the query.
    if (!task) throw taskNotFound(ctx.params.name);
    const answer = withInput({ query: oneTaskQuery }, invalidInput, async (_ctx, { query }) => {
      ctx.body = { request_id: ctx.state.requestId, ...(await statuses([task], { include: query.include })) };
    });
    await answer(ctx);
  });

  router.get('/health', async (ctx: AppContext) => {
    const check = await d.terraform.check();
    if (!check.ok) throw new SyncError(503, `terraform is not available: ${check.problem}`);
    ctx.body = { request_id: ctx.state.requestId, terraform: { path: check.path, version: check.version } };
  });

  return router;
}
