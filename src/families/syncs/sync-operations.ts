import { z } from 'zod';
import { defineOperation } from '../../runner/operation';
import type { SyncRunsRepo } from './sync-runs-repo';
import { runSync, SyncRunDeps } from './sync-run';
import { SYNC_INSPECT_TYPE, SYNC_RUN_TYPE, SyncTaskConfig } from './sync-task';
import type { SyncTasksRepo } from './sync-tasks-repo';

export interface SyncOperationDeps extends SyncRunDeps {
  repo: SyncTasksRepo;
  runs: SyncRunsRepo;
  eventsPerTask: number;
}

/**
 * `sync_task_run`: applies a sync task's module to its data as they are when the run starts. A run of a
 * task disabled or deleted since it was queued does nothing and is no event (a disabled task's change
 * stays pending until it is enabled).
 */
export function syncTaskRun(d: SyncOperationDeps) {
  return defineOperation({
    type: SYNC_RUN_TYPE,
    params: z.object({ sync_task: z.string(), trigger: z.string() }),
    async run({ sync_task: name }, ctx) {
      const task = await d.repo.find(name);
      if (!task || !task.enabled) {
        await d.runs.forget(ctx.task.id);
        if (task) await d.repo.setPending(name);
        const why = task ? 'is disabled; its change waits until it is enabled' : 'was deleted';
        await ctx.debug(`Sync task ${name} ${why}: nothing to run`, 'INFO', 'SyncTask');
        return `sync task ${name} ${why}`;
      }
      await d.runs.markStarted(ctx.task.id);
      try {
        const outcome = await runSync(d, task, 'apply', ctx);
        await d.runs.finish(ctx.task.id, true, null);
        await ctx.result({ sync_task: name, success: true, summary: outcome.summary });
        return outcome.summary;
      } catch (err) {
        await d.runs.finish(ctx.task.id, false, (err as Error).message ?? String(err));
        throw err;
      } finally {
        await d.runs.prune(name, d.eventsPerTask);
      }
    },
  });
}

/** `sync_task_inspect`: the plan of a proposed configuration; its result line holds `{changes_present, plan}`. */
export function syncTaskInspect(d: SyncOperationDeps) {
  return defineOperation({
    type: SYNC_INSPECT_TYPE,
    params: z.object({ task: z.record(z.string(), z.unknown()) }),
    async run({ task }, ctx) {
      const outcome = await runSync(d, task as unknown as SyncTaskConfig, 'inspect', ctx);
      await ctx.result({ changes_present: outcome.changesPresent, plan: outcome.plan });
      return outcome.summary;
    },
  });
}
