import crypto from 'node:crypto';
import Router from '@koa/router';
import { z } from 'zod';
import type { AppContext, AppState } from '../../http/context';
import { jsonBodyParser } from '../../http/json-body';
import { withInput } from '../../http/validate';
import { redirectToTask } from '../../http/start-task';
import { CannotSchedule, ScheduledTask } from '../family';
import { firstRun } from './fire-plan';
import { changesSchedule, OperationLookup, parseCreate, parsePatch } from './job-config-request';
import type { JobConfigsRepo } from './job-configs-repo';
import { CONFIG_SORTABLE } from './job-configs-repo';
import { JobRunsRepo, pinnedNode } from './job-runs-repo';
import { invalidInput, listQueryOf, listQueryShape, single } from './list-query';
import { schedulerAdmin, schedulerReader } from './scheduler-auth';
import { badRequest, invalidParam, notFound } from '../../http/ciphertrust/ciphertrust-errors';
import { presentConfig } from './scheduler-presenters';
import type { TaskService } from '../../tasks/task-service';

export const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** Only JSON bodies; anything else is a 400 rather than an empty body read as missing fields. */
export const jsonOnly = jsonBodyParser({ notJson: () => badRequest('Content-Type must be application/json') });

const listQuery = z.object({
  ...listQueryShape(CONFIG_SORTABLE),
  disabled: single.pipe(z.enum(['true', 'false'], 'must be true or false').optional()),
  id: single.refine((v) => v === undefined || UUID.test(v), 'must be a job configuration id (a UUID)'),
  name: single,
  operation: single,
});

export interface ConfigRouteDeps {
  configs: JobConfigsRepo;
  runs: JobRunsRepo;
  operation: OperationLookup;
  operationNames: () => string[];
  nodeId: string;
  tasks: Pick<TaskService, 'enqueue'>;
}

/** `/api/v1/scheduler/job-configs`: create, list, read, change, delete, run now. */
export function jobConfigRoutes(d: ConfigRouteDeps): Router<AppState> {
  const router = new Router<AppState>({ prefix: '/api/v1/scheduler/job-configs' });

  async function load(ctx: AppContext) {
    const id = ctx.params.id;
    const config = UUID.test(id) ? await d.configs.find(id.toLowerCase()) : null;
    if (!config) throw notFound('job configuration', id);
    return config;
  }

  router.post('/', schedulerAdmin, jsonOnly, async (ctx: AppContext) => {
    const fields = parseCreate(ctx.request.body, d.operation, d.operationNames());
    const config = await d.configs.insert({
      ...fields,
      id: crypto.randomUUID(),
      createdBy: ctx.state.user!.name,
      nextRunAt: firstRun(fields, new Date()),
    });
    ctx.status = 201;
    ctx.body = presentConfig(config);
  });

  router.get(
    '/',
    schedulerReader,
    withInput({ query: listQuery }, invalidInput, async (ctx, { query }) => {
      const q = listQueryOf(query);
      const { total, configs } = await d.configs.list(
        {
          id: query.id?.toLowerCase(),
          name: query.name,
          operation: query.operation,
          disabled: query.disabled === undefined ? undefined : query.disabled === 'true',
        },
        q,
      );
      ctx.body = { skip: q.skip, limit: q.limit, total, resources: configs.map(presentConfig) };
    }),
  );

  router.get('/:id', schedulerReader, async (ctx: AppContext) => {
    ctx.body = presentConfig(await load(ctx));
  });

  router.patch('/:id', schedulerAdmin, jsonOnly, async (ctx: AppContext) => {
    const current = await load(ctx);
    // Validated against the config as read; applied under a row lock, with the next run computed afresh
    // when the schedule moved.
    const change = parsePatch(ctx.request.body, current, d.operation);
    const updated = await d.configs.update(current.id, (now) => {
      if (!changesSchedule(change)) return change;
      return { ...change, nextRunAt: firstRun({ ...now, ...change }, new Date()) };
    });
    if (!updated) throw notFound('job configuration', current.id);
    ctx.body = presentConfig(updated);
  });

  router.delete('/:id', schedulerAdmin, async (ctx: AppContext) => {
    const config = await load(ctx);
    if (!(await d.configs.delete(config.id))) throw notFound('job configuration', config.id);
    ctx.status = 204;
  });

  router.post('/:id/run-now', schedulerAdmin, async (ctx: AppContext) => {
    const config = await load(ctx);
    const op = d.operation(config.operation);
    if (!op) throw badRequest(`operation '${config.operation}' is not schedulable`);
    const parsed = op.params.safeParse(config.params);
    if (!parsed.success) throw invalidParam('job_config_params', parsed.error.issues[0]?.message ?? 'invalid');
    const runId = crypto.randomUUID();
    const username = ctx.state.user!.name;
    const pinnedNodeId = pinnedNode(config.runOn);
    let planned: ScheduledTask;
    try {
      planned = await op.plan(parsed.data, { username, pinnedNodeId });
    } catch (err) {
      throw err instanceof CannotSchedule ? invalidParam('job_config_params', err.message) : err;
    }
    const task = await d.tasks.enqueue(planned.task, async (trx, t) => {
      await planned.withRows?.(trx, t);
      await d.runs.insertStarted(
        trx,
        {
          id: runId,
          configId: config.id,
          fireAt: null,
          trigger: 'run_now',
          status: null,
          name: config.name,
          description: config.description,
          operation: config.operation,
          params: config.params,
          username,
          nodeId: d.nodeId,
          pinnedNodeId,
        },
        t.id,
      );
    });
    redirectToTask(ctx, task, { job_id: runId, job_config_id: config.id });
  });

  return router;
}
