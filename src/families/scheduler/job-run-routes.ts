import Router from '@koa/router';
import type { AppContext, AppState } from '../../http/context';
import type { TaskService } from '../../tasks/task-service';
import { UUID } from './job-config-routes';
import { JobRunsRepo, RUN_SORTABLE, RUN_STATUSES, RunStatus } from './job-runs-repo';
import { parseListQuery, single } from './list-query';
import { schedulerAdmin, schedulerReader } from './scheduler-auth';
import { CiphertrustError, invalidParam, notFound } from '../../http/ciphertrust/ciphertrust-errors';
import { presentRun } from './scheduler-presenters';

function uuidParam(ctx: AppContext, name: string): string | undefined {
  const v = single(ctx.query, name);
  if (v !== undefined && !UUID.test(v)) throw invalidParam(name, 'must be a UUID');
  return v?.toLowerCase();
}

/** `/api/v1/scheduler/jobs`: the runs of every config, each a Director task. */
export function jobRunRoutes(runs: JobRunsRepo, tasks: TaskService): Router<AppState> {
  const router = new Router<AppState>({ prefix: '/api/v1/scheduler/jobs' });

  async function load(ctx: AppContext) {
    const id = String(ctx.params.id ?? '');
    const run = UUID.test(id) ? await runs.find(id.toLowerCase()) : null;
    if (!run) throw notFound('job', id);
    return run;
  }

  router.get('/', schedulerReader, async (ctx: AppContext) => {
    const q = parseListQuery(ctx.query, RUN_SORTABLE);
    const status = single(ctx.query, 'status');
    if (status !== undefined && !(RUN_STATUSES as readonly string[]).includes(status)) {
      throw invalidParam('status', `must be one of ${RUN_STATUSES.join(', ')}`);
    }
    const { total, runs: list } = await runs.list(
      {
        id: uuidParam(ctx, 'id'),
        configId: uuidParam(ctx, 'job_config_id'),
        name: single(ctx.query, 'name'),
        operation: single(ctx.query, 'operation'),
        status: status as RunStatus | undefined,
        processingNode: single(ctx.query, 'processing_node'),
      },
      q,
    );
    ctx.body = { skip: q.skip, limit: q.limit, total, resources: list.map(presentRun) };
  });

  router.get('/:id', schedulerReader, async (ctx: AppContext) => {
    ctx.body = presentRun(await load(ctx));
  });

  router.delete('/:id', schedulerAdmin, async (ctx: AppContext) => {
    const run = await load(ctx);
    const outcome = await runs.delete(run.id, tasks);
    if (outcome === 'running')
      throw new CiphertrustError(
        400,
        `job ${run.id} is running (task ${run.taskId}); cancel it with DELETE /task/${run.taskId} first`,
      );
    if (outcome === 'gone') throw notFound('job', run.id);
    ctx.status = 204;
  });

  return router;
}
