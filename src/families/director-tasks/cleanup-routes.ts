import Router from '@koa/router';
import { z } from 'zod';
import type { TaskService } from '../../tasks/task-service';
import { cleanupDescription, deleteArtifactsTask } from './cleanup-task';
import type { AppState } from '../../http/context';
import { taskStarter } from '../../http/start-task';
import { requireAdmin } from '../../http/director/director-auth';
import { directorBody, jsonBody } from '../../http/director/json-body';

const cleanupBody = z
  .object({
    config: z
      .object({ remove_all: z.boolean().optional(), keep_orphaned_disks: z.boolean().optional() })
      .strict()
      .optional(),
  })
  .strict();

/** `POST /cleanup` (bosh clean-up [--all]): the Director's `delete_artifacts` task. Its dry run is the workloads'. */
export function cleanupRoutes(tasks: TaskService): Router<AppState> {
  const router = new Router<AppState>();
  const startTask = taskStarter(tasks);

  router.post(
    '/cleanup',
    requireAdmin,
    jsonBody,
    directorBody(cleanupBody, async (ctx, body) => {
      const removeAll = body.config?.remove_all ?? false;
      const keepOrphanedDisks = body.config?.keep_orphaned_disks ?? false;
      await startTask(
        ctx,
        deleteArtifactsTask,
        { remove_all: removeAll, keep_orphaned_disks: keepOrphanedDisks },
        { description: cleanupDescription(removeAll) },
      );
    }),
  );

  return router;
}
