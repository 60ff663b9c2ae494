import crypto from 'node:crypto';
import Router from '@koa/router';
import { SettingsRepo } from '../../db/settings-repo';
import type { AppState } from '../../http/context';
import { directorErrors } from '../../http/director/director-errors';
import type { Family, FamilyDeps } from '../family';
import { cleanupRoutes } from './cleanup-routes';
import { infoRoutes } from './info-routes';
import { scheduledCleanup } from './scheduled-cleanup';
import { TaskRetentionTimer } from './task-retention';
import { tasksRoutes } from './tasks-routes';

/**
 * `GET /tasks?verbose=1` (what `bosh tasks --recent` sends) lists only the types a person follows: the
 * Director's own list, to which the other families add the long-running work they declare.
 */
export const DIRECTOR_VERBOSE_TYPES: readonly string[] = [
  'attach_disk',
  'create_snapshot',
  'delete_deployment',
  'delete_release',
  'delete_snapshot',
  'delete_stemcell',
  'run_errand',
  'snapshot_deployment',
  'update_instance',
  'update_deployment',
  'update_release',
  'update_stemcell',
  'export_release',
];

/**
 * The Director's core: `/info`, the task routes every family's tasks are followed through (`/tasks`,
 * `/tasks/:id/output`, cancel), `POST /cleanup` (the workloads run its task), and task retention. Its routes answer in the
 * Director's error shape; its realm is the Director's, the gate's fallback for every path no family claims.
 */
export function directorTasksFamily(deps: FamilyDeps): Family {
  const settings = new SettingsRepo(deps.db.knex);
  // The Director's uuid is created once for every node sharing the database, and read at start.
  let uuid: Promise<string> | null = null;
  const directorUuid = () =>
    (uuid ??= settings
      .getOrCreate('director_uuid', () => crypto.randomUUID())
      .then(
        (s) => s.value,
        (err) => {
          uuid = null;
          throw err;
        },
      ));
  const { retention_per_type: keep, retention_interval_seconds: interval } = deps.config.tasks;
  const retention = new TaskRetentionTimer(deps.tasks, keep, interval * 1000, deps.log);

  const router = new Router<AppState>();
  router.use(directorErrors);
  for (const r of [
    infoRoutes({ name: deps.config.name, uuid: directorUuid }),
    tasksRoutes(deps.tasks, () => deps.verboseTaskTypes?.() ?? DIRECTOR_VERBOSE_TYPES),
    cleanupRoutes(deps.tasks),
  ]) {
    router.use(r.routes()).use(r.allowedMethods());
  }
  return {
    migrations: [],
    operations: [],
    routers: [router],
    verboseTaskTypes: DIRECTOR_VERBOSE_TYPES,
    schedulable: [scheduledCleanup()],
    async start() {
      await directorUuid();
      retention.start();
    },
    stop: () => retention.stop(),
  };
}
