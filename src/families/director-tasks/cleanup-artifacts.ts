import { z } from 'zod';
import { defineOperation } from '../../runner/operation';
import { taskKind } from '../../tasks/task-kind';
import type { TaskService } from '../../tasks/task-service';

/** The task `bosh clean-up` starts. */
export const CLEANUP_TASK_TYPE = 'cleanup_artifacts';

export const cleanupParams = z.object({ remove_all: z.boolean(), keep: z.number().int().min(1) });

export const cleanupTask = taskKind(CLEANUP_TASK_TYPE, cleanupParams);

/**
 * What `bosh clean-up` starts: applies task retention, keeping the newest `keep` finished tasks of each
 * type and deleting the older ones with their logs. (`remove_all`, which on the Director also removes every
 * unused release and stemcell, is kept for those.)
 */
export function cleanupArtifacts(tasks: Pick<TaskService, 'typesOverRetention' | 'deleteOldFinished'>) {
  return defineOperation({
    ...cleanupTask,
    async run(params, ctx) {
      const types = await tasks.typesOverRetention(params.keep);
      const stage = ctx.beginStage('Deleting tasks', types.length);
      let deleted = 0;
      for (const type of types.sort()) {
        ctx.checkpoint();
        await stage.step(type, async () => {
          const n = await tasks.deleteOldFinished(type, params.keep);
          deleted += n;
          await ctx.debug(`Deleted ${n} ${type} task(s) older than the newest ${params.keep}`);
        });
      }
      await ctx.result({ deleted_tasks: deleted, kept_per_type: params.keep });
      return `Deleted ${deleted} task(s)`;
    },
  });
}
