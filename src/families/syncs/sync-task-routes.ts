import Router from '@koa/router';
import type { AppContext, AppState } from '../../http/context';
import { redirectToTask } from '../../http/start-task';
import type { Task } from '../../tasks/task';
import type { TaskService } from '../../tasks/task-service';
import { nextTick } from '../../cron/cron-schedule';
import { ModuleSourceError, resolveModule } from './module-source';
import { readJson } from './sync-body';
import { badRequest, invalidField, invalidInput, SyncError, taskNotFound } from './sync-errors';
import { withInput } from '../../http/validate';
import type { SyncModulesRepo } from './sync-modules-repo';
import { presentTask } from './sync-presenters';
import type { SyncRunQueue } from './sync-run-queue';
import type { SyncRunsRepo } from './sync-runs-repo';
import { Condition, SyncTaskConfig } from './sync-task';
import { parseCreate, parsePatch, RequestLimits, runOptionQuery } from './sync-task-request';
import type { SyncTasksRepo } from './sync-tasks-repo';
import type { TerraformBinary } from './terraform-binary';
import type { WatchedData } from './watched-data';

export interface SyncTaskRouteDeps {
  repo: SyncTasksRepo;
  runs: SyncRunsRepo;
  modules: SyncModulesRepo;
  watched: WatchedData;
  queue: SyncRunQueue;
  tasks: TaskService;
  terraform: TerraformBinary;
  modulesRoot: string | null;
  limits: RequestLimits;
}

/** The first tick of a schedule condition from now; null for other conditions. */
const firstTick = (c: Condition) =>
  'schedule' in c
    ? nextTick({ runAt: c.schedule.cron, timeZone: null, startDate: null, endDate: null }, new Date())
    : null;

/** `/v1/tasks`: CTS's task API. */
export function syncTaskRoutes(d: SyncTaskRouteDeps): Router<AppState> {
  const router = new Router<AppState>({ prefix: '/v1/tasks' });

  async function requireTerraform(): Promise<void> {
    const check = await d.terraform.check();
    if (!check.ok) throw new SyncError(503, `terraform is not available: ${check.problem}`);
  }

  async function checkModule(module: string, version: string, prefix: string): Promise<void> {
    try {
      await resolveModule(module, version, d.modulesRoot, d.modules);
    } catch (err) {
      if (err instanceof ModuleSourceError) throw invalidField(`${prefix}${err.field}`, err.message);
      throw err;
    }
  }

  /** Plans `config` in a task of its own and answers CTS's inspect object; a failed plan is a 400 with its error. */
  async function inspect(ctx: AppContext, config: SyncTaskConfig): Promise<void> {
    const task = await d.queue.inspect(config, ctx.state.user!.name);
    const ended = await d.queue.waitForEnd(task.id);
    if (!ended || ended.state !== 'done') {
      throw badRequest(
        `inspecting task '${config.name}' failed (task ${task.id} ${ended?.state ?? 'gone'}): ${ended?.result ?? ''}`.trim(),
      );
    }
    const result = await readResult(d.tasks, task);
    ctx.status = 200;
    ctx.body = {
      request_id: ctx.state.requestId,
      inspect: {
        changes_present: Boolean(result.changes_present),
        plan: typeof result.plan === 'string' ? result.plan : '',
      },
      task_id: task.id,
    };
  }

  router.get('/', async (ctx: AppContext) => {
    ctx.body = { request_id: ctx.state.requestId, tasks: (await d.repo.list()).map(presentTask) };
  });

  router.get('/:name', async (ctx: AppContext) => {
    const task = await d.repo.find(ctx.params.name);
    if (!task) throw taskNotFound(ctx.params.name);
    ctx.body = { request_id: ctx.state.requestId, task: presentTask(task) };
  });

  router.post(
    '/',
    withInput({ query: runOptionQuery }, invalidInput, async (ctx, { query: { run } }) => {
      const config = parseCreate(await readJson(ctx), d.limits);
      await checkModule(config.module, config.version, 'task.');
      await requireTerraform();
      if (await d.repo.find(config.name)) throw badRequest(`task with name ${config.name} already exists`);
      if (run === 'inspect') return inspect(ctx, config);
      if (run === 'now' && !config.enabled) throw invalidField('run', 'a disabled task cannot run now');

      const user = ctx.state.user!.name;
      const nextTickAt = firstTick(config.condition);
      const duplicate = () => badRequest(`task with name ${config.name} already exists`);
      if (run === 'now') {
        // The run reads the data as they are now: what it will see is what the task has seen.
        const seen = await d.watched.observe(config.condition);
        const watch = seen && seen !== 'unchanged' ? seen : { fingerprint: null, hash: null };
        const task = await d.queue.start(config.name, user, 'now', async (trx) => {
          if (!(await d.repo.insert(config, user, { ...watch, nextTickAt }, trx))) throw duplicate();
        });
        return redirectToTask(ctx, task, { request_id: ctx.state.requestId, task: presentTask(config) });
      }
      // Nothing seen yet: the watcher's first look is a change, and the task's first run applies it.
      if (!(await d.repo.insert(config, user, { fingerprint: null, hash: null, nextTickAt }))) throw duplicate();
      ctx.status = 201;
      ctx.body = { request_id: ctx.state.requestId, task: presentTask(config) };
    }),
  );

  router.patch(
    '/:name',
    withInput({ query: runOptionQuery }, invalidInput, async (ctx, { query: { run } }) => {
      const body = await readJson(ctx);
      const current = await d.repo.find(ctx.params.name);
      if (!current) throw taskNotFound(ctx.params.name);
      const patch = parsePatch(body, current, d.limits);
      const {
        createdBy: _by,
        deleting: _deleting,
        pending: _pending,
        createdAt: _created,
        updatedAt: _updated,
        ...stored
      } = current;
      const proposed: SyncTaskConfig = { ...stored, ...patch };
      if (run === 'inspect') {
        await requireTerraform();
        return inspect(ctx, proposed);
      }
      if (run === 'now') {
        if (!proposed.enabled) throw invalidField('run', 'a disabled task cannot run now');
        await requireTerraform();
      }
      const nextTickAt = patch.condition
        ? firstTick(patch.condition)
        : patch.enabled === true && !current.enabled
          ? firstTick(current.condition)
          : undefined;
      if (run === 'now') {
        const task = await d.queue.start(current.name, ctx.state.user!.name, 'now', async (trx) => {
          if (!(await d.repo.update(current.name, patch, nextTickAt, trx))) throw taskNotFound(current.name);
        });
        return redirectToTask(ctx, task, { request_id: ctx.state.requestId });
      }
      if (!(await d.repo.update(current.name, patch, nextTickAt))) throw taskNotFound(current.name);
      ctx.body = { request_id: ctx.state.requestId };
    }),
  );

  router.delete('/:name', async (ctx: AppContext) => {
    const name = ctx.params.name;
    if (!(await d.repo.find(name)) || !(await d.repo.markDeleting(name))) throw taskNotFound(name);
    // Gone now unless a run is queued or going; then once it has ended (the watcher finishes it).
    await d.repo.deleteIfIdle(name);
    ctx.status = 202;
    ctx.body = { request_id: ctx.state.requestId };
  });

  return router;
}

/** The result line an inspect task wrote. */
async function readResult(tasks: TaskService, task: Task): Promise<Record<string, unknown>> {
  const size = (await tasks.logSize(task.id, 'result')) ?? 0;
  const parts: Buffer[] = [];
  for await (const b of tasks.readLog(task.id, 'result', 0, size)) parts.push(b);
  const lines = Buffer.concat(parts).toString('utf8').trim().split('\n');
  try {
    const result: unknown = JSON.parse(lines[lines.length - 1]);
    return result !== null && typeof result === 'object' ? (result as Record<string, unknown>) : {};
  } catch {
    return {};
  }
}
