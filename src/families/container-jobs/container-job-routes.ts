import Router from '@koa/router';
import type { BlobStore } from '../../blobs/blob-store';
import { ContainerJobsRepo } from './container-jobs-repo';
import { containerJobPlan, containerJobRequestProblem } from './enqueue-container-job';
import { admissionProblems, ContainerJobAdmission } from './container-job-admission';
import { containerJobRequestSchema } from './container-job-request';
import type { TaskService } from '../../tasks/task-service';
import type { TaskLogName } from '../../tasks/task-log';
import { z } from 'zod';
import type { AppContext, AppState } from '../../http/context';
import { withInput } from '../../http/validate';
import { taskStarter } from '../../http/start-task';
import { containerJobTask } from './run-container-job';
import { GostintError, invalidContainerJob, containerJobNotFound } from './container-jobs-errors';
import { readContainerJobBody } from './container-job-body';
import { containerJobAdmin, containerJobReader } from './container-jobs-auth';
import { ContainerJobOutput, presentContainerJob, presentContainerJobSummary } from './container-job-presenter';

/** Output returned inline by `GET /v1/api/job/:id`; the whole of it is at output_url. */
const INLINE_OUTPUT_LIMIT = 1024 * 1024;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/** Paging of the job list, as GoStint reads it; a bad value is GoStint's 400. */
const listQuery = z.object({
  skip: z
    .unknown()
    .optional()
    .transform((v) => Number(v ?? 0))
    .refine((n) => Number.isInteger(n) && n >= 0, 'skip must be a whole number'),
  limit: z
    .unknown()
    .optional()
    .transform((v) => Number(v ?? 10))
    .refine((n) => Number.isInteger(n) && n >= 1 && n <= 100, 'limit must be a whole number from 1 to 100'),
});

export function containerJobRoutes(
  tasks: TaskService,
  jobs: ContainerJobsRepo,
  admission: ContainerJobAdmission,
  blobs: BlobStore,
): Router<AppState> {
  const router = new Router<AppState>({ prefix: '/v1/api/job' });
  const startTask = taskStarter(tasks);

  async function loadJob(ctx: AppContext) {
    const id = ctx.params.id;
    const job = UUID.test(id) ? await jobs.find(id) : null;
    if (!job) throw containerJobNotFound(id);
    return job;
  }

  async function tail(taskId: number, log: TaskLogName): Promise<ContainerJobOutput> {
    const size = (await tasks.logSize(taskId, log)) ?? 0;
    const from = Math.max(0, size - INLINE_OUTPUT_LIMIT);
    const parts: Buffer[] = [];
    for await (const b of tasks.readLog(taskId, log, from, size)) parts.push(b);
    return { text: Buffer.concat(parts).toString('utf8'), truncated: from > 0 };
  }

  router.post('/', containerJobAdmin, async (ctx: AppContext) => {
    if (!ctx.is('application/json')) throw invalidContainerJob('Content-Type must be application/json');
    const body = await readContainerJobBody(ctx, blobs);
    try {
      await enqueueJob(ctx, body.fields, body.contentBlob);
    } catch (err) {
      if (body.contentBlob) await blobs.delete(body.contentBlob);
      throw err;
    }
  });

  async function enqueueJob(ctx: AppContext, fields: Record<string, unknown>, contentBlob: string | null) {
    const parsed = containerJobRequestSchema.safeParse(fields);
    if (!parsed.success) {
      const problems = parsed.error.issues.slice(0, 5).map((i) => `${i.path.join('.') || 'body'}: ${i.message}`);
      throw invalidContainerJob(problems.join('; '));
    }
    const req = parsed.data;
    const problem = containerJobRequestProblem(req);
    if (problem) throw invalidContainerJob(problem);
    const refused = admissionProblems(req, admission);
    if (refused.length) throw invalidContainerJob(refused.join('; '));
    const plan = containerJobPlan(jobs, req, contentBlob);
    await startTask(ctx, containerJobTask, plan.params, {
      description: plan.description,
      lock: plan.lock,
      withRows: plan.storeJob,
      body: { _id: plan.jobId, status: 'queued', qname: plan.qname ?? '' },
    });
  }

  router.get(
    '/',
    containerJobReader,
    withInput(
      { query: listQuery },
      (p) => invalidContainerJob(p.message),
      async (ctx, { query: { skip, limit } }) => {
        const { jobs: list, total } = await jobs.list(skip, limit);
        ctx.body = { data: list.map(presentContainerJobSummary), skip, limit, total };
      },
    ),
  );

  router.get('/:id', containerJobReader, async (ctx: AppContext) => {
    const job = await loadJob(ctx);
    ctx.body = presentContainerJob(job, await tail(job.taskId, 'stdout'), await tail(job.taskId, 'stderr'));
  });

  router.post('/kill/:id', containerJobAdmin, async (ctx: AppContext) => {
    const job = await loadJob(ctx);
    const outcome = await tasks.cancel(job.task);
    if (outcome.outcome === 'not_cancellable') {
      throw new GostintError(
        400,
        'Cannot kill job.',
        `job ${job.id} is not queued or running (${presentContainerJobSummary(job).status})`,
      );
    }
    ctx.body = presentContainerJobSummary({ ...job, task: outcome.task });
  });

  router.delete('/:id', containerJobAdmin, async (ctx: AppContext) => {
    const job = await loadJob(ctx);
    if (!(await tasks.deleteUnlessRunning(job.taskId))) {
      throw new GostintError(400, 'Cannot delete job.', 'Cannot delete a running/stopping job');
    }
    // A job cancelled while queued never ran, so its content is still stored.
    const contentBlob = job.task.params.content_blob;
    if (typeof contentBlob === 'string') await blobs.delete(contentBlob);
    ctx.body = { _id: job.id, status: 'deleted', task_id: job.taskId };
  });

  return router;
}
