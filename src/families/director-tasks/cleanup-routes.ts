import Router from '@koa/router';
import { z } from 'zod';
import type { TaskService } from '../../tasks/task-service';
import { cleanupTask } from './cleanup-artifacts';
import type { AppContext, AppState } from '../../http/context';
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

/** `POST /cleanup` (bosh clean-up) and its dry run. */
export function cleanupRoutes(tasks: TaskService, retentionPerType: number): Router<AppState> {
  const router = new Router<AppState>();
  const startTask = taskStarter(tasks);

  router.post(
    '/cleanup',
    requireAdmin,
    jsonBody,
    directorBody(cleanupBody, async (ctx, body) => {
      const removeAll = body.config?.remove_all ?? false;
      await startTask(ctx, cleanupTask, { remove_all: removeAll, keep: retentionPerType }, { description: 'clean up' });
    }),
  );

  router.get('/cleanup/dryrun', requireAdmin, async (ctx: AppContext) => {
    ctx.body = {
      releases: [],
      stemcells: [],
      compiled_packages: [],
      orphaned_disks: [],
      orphaned_vms: [],
      exported_releases: [],
      dns_blobs: [],
    };
  });

  return router;
}
