import Router from '@koa/router';
import { z } from 'zod';
import type { AppContext, AppState } from '../../http/context';
import { withInput } from '../../http/validate';
import { drydockFlag, drydockJson, drydockParam, invalidInput } from './drydock-body';
import { badRequest, notFound } from './drydock-errors';
import type { DrydockTaskService } from './drydock-task-service';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** Drydock falls back to 90 days for a missing or unreadable value. */
const purgeQuery = z.object({ days: drydockParam.transform((s) => (s && /^\d{1,6}$/.test(s) ? Number(s) : 90)) });

/** `layers` (unreadable means 0), `builddata`, `subtaskerrors`. */
const viewQuery = z.object({
  layers: drydockParam.transform((s) => (s && /^-?\d{1,4}$/.test(s) ? Number(s) : 0)),
  builddata: drydockFlag,
  subtaskerrors: drydockFlag,
});

/**
 * `/api/v1.0/tasks`: Drydock's task API over bosun's task core. POST answers as Drydock does (201,
 * `Location: /api/v1.0/tasks/<task_id>`, the task in status `queued`; Drydock's client reads that body,
 * so no redirect) and names the Director task in `Link` and `bosun_task_id`.
 */
export function taskRoutes(service: DrydockTaskService): Router<AppState> {
  const router = new Router<AppState>({ prefix: '/api/v1.0/tasks' });

  router.post('/', drydockJson, async (ctx: AppContext) => {
    const { task, director } = await service.create(ctx.request.body, ctx.state.user!.name);
    const [body] = await service.present([task]);
    ctx.status = 201;
    ctx.set('Location', `/api/v1.0/tasks/${task.taskId}`);
    ctx.set('Link', `</tasks/${director.id}>; rel="bosun-task"`);
    // The Director task may have started already; Drydock's answer is the task as it was queued.
    ctx.body = { ...body, status: 'queued' };
  });

  router.get('/', async (ctx: AppContext) => {
    ctx.body = await service.list();
  });

  router.delete(
    '/',
    withInput({ query: purgeQuery }, invalidInput, async (ctx, { query }) => {
      await service.purge(query.days);
      ctx.type = 'text/plain';
      ctx.body = 'Tables purged successfully.';
    }),
  );

  function id(ctx: AppContext): string {
    const taskId = ctx.params.id;
    if (!UUID.test(taskId)) throw notFound(`Task ${taskId} does not exist`);
    return taskId.toLowerCase();
  }

  router.get(
    '/:id',
    withInput({ query: viewQuery }, invalidInput, async (ctx, { query }) => {
      const taskId = id(ctx);
      const body = await service.view(taskId, {
        builddata: query.builddata,
        subtaskErrors: query.subtaskerrors,
        layers: query.layers,
      });
      if (!body) throw notFound(`Task ${taskId} does not exist`);
      ctx.body = body;
    }),
  );

  router.get('/:id/builddata', async (ctx: AppContext) => {
    const taskId = id(ctx);
    const body = await service.view(taskId, { builddata: true, subtaskErrors: false, layers: -1 });
    if (!body) throw notFound(`Task ${taskId} does not exist`);
    const records = Object.entries(body)
      .filter(([k]) => k !== 'init_task_id')
      .flatMap(([, t]) => (t as { build_data: unknown[] }).build_data);
    if (!records.length) throw notFound(`No build data for task ${taskId}`);
    ctx.body = records;
  });

  /** Termination (Drydock has no API for it): the task as it is after the request, `terminating` or `terminated`. */
  router.delete('/:id', async (ctx: AppContext) => {
    const taskId = id(ctx);
    const t = await service.terminate(taskId, ctx.state.user!.name);
    if (!t) throw notFound(`Task ${taskId} does not exist`);
    if (t.parentTaskId) throw badRequest(`Task ${taskId} is a subtask; terminate its parent ${t.parentTaskId}`);
    const [body] = await service.present([t]);
    ctx.body = body;
  });

  return router;
}
