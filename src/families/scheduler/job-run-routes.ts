import Router from '@koa/router';
import { z } from 'zod';
import type { AppContext, AppState } from '../../http/context';
import { withInput } from '../../http/validate';
import type { TaskService } from '../../tasks/task-service';
import { UUID } from './job-config-routes';
import { JobRunsRepo, RUN_SORTABLE, RUN_STATUSES } from './job-runs-repo';
import { invalidInput, listQueryOf, listQueryShape, single } from './list-query';
import { schedulerAdmin, schedulerReader } from './scheduler-auth';
import { CiphertrustError, notFound } from '../../http/ciphertrust/ciphertrust-errors';
import { presentRun } from './scheduler-presenters';

const uuid = single.refine((v) => v === undefined || UUID.test(v), 'must be a UUID').transform((v) => v?.toLowerCase());

const listQuery = z.object({
  ...listQueryShape(RUN_SORTABLE),
  status: single.pipe(z.enum(RUN_STATUSES, `must be one of ${RUN_STATUSES.join(', ')}`).optional()),
  id: uuid,
  job_config_id: uuid,
  name: single,
  operation: single,
  processing_node: single,
});

/** `/api/v1/scheduler/jobs`: the runs of every config, each a Director task. */
export function jobRunRoutes(runs: JobRunsRepo, tasks: TaskService): Router<AppState> {
  const router = new Router<AppState>({ prefix: '/api/v1/scheduler/jobs' });

  async function load(ctx: AppContext) {
    const id = ctx.params.id;
    const run = UUID.test(id) ? await runs.find(id.toLowerCase()) : null;
    if (!run) throw notFound('job', id);
    return run;
  }

  router.get(
    '/',
    schedulerReader,
    withInput({ query: listQuery }, invalidInput, async (ctx, { query }) => {
      const q = listQueryOf(query);
      const { total, runs: list } = await runs.list(
        {
          id: query.id,
          configId: query.job_config_id,
          name: query.name,
          operation: query.operation,
          status: query.status,
          processingNode: query.processing_node,
        },
        q,
      );
      ctx.body = { skip: q.skip, limit: q.limit, total, resources: list.map(presentRun) };
    }),
  );

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
