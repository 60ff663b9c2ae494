import Router from '@koa/router';
import type { Family, FamilyDeps } from '../family';
import type { AppState } from '../../http/context';
import { rejectNulBytes } from '../../http/middleware/reject-nul-bytes';
import { loadSecretsKey } from '../../secrets/secret-store';
import { scheduledSyncRun } from './scheduled-sync-run';
import { SYNC_PREFIXES, syncRealm } from './sync-auth';
import { renderSyncError, syncResponses } from './sync-errors';
import { syncModuleRoutes } from './sync-module-routes';
import { SyncModulesRepo } from './sync-modules-repo';
import { syncTaskInspect, syncTaskRun } from './sync-operations';
import { SyncRunQueue } from './sync-run-queue';
import { SyncRunsRepo } from './sync-runs-repo';
import { syncStatusRoutes } from './sync-status-routes';
import { SYNC_INSPECT_TYPE, SYNC_RUN_TYPE } from './sync-task';
import { syncTaskRoutes } from './sync-task-routes';
import { SyncTaskStatesRepo } from './sync-task-states-repo';
import { SyncTasksRepo } from './sync-tasks-repo';
import { TerraformBinary } from './terraform-binary';
import { SyncWatcher, WatcherOptions } from './sync-watcher';
import { WatchedData } from './watched-data';
import { syncsConfigSchema } from './syncs-config';

/** A path of the family: its unknown paths are answered in CTS's error shape, not the Director's text. */
const FAMILY_PATH = new RegExp(`^(${SYNC_PREFIXES.map((p) => p.replace(/\//g, '\\/')).join('|')})(\\/.*)?$`, 'i');

/**
 * Sync tasks (`/v1/tasks`, `/v1/status`, `/v1/health`, `/v1/modules`): the Consul-Terraform-Sync task
 * API over bosun's own data. A task runs a Terraform module whenever the instances of a deployment or
 * the secrets under a path change, or on a schedule; every run is a Director task in the task's own
 * serial queue, and the Terraform state is kept in the database, so any node can run the next one.
 */
export function syncsFamily(deps: FamilyDeps, opts: Partial<WatcherOptions> = {}): Family {
  const cfg = deps.config.syncs;
  const knex = deps.db.knex;
  // The watched secrets' fingerprints are keyed with the secret store's key (they never leave the database).
  const secretsKey = loadSecretsKey(deps.config);
  const secrets = deps.secrets;
  const repo = new SyncTasksRepo(knex);
  const runs = new SyncRunsRepo(knex);
  const modules = new SyncModulesRepo(knex);
  const states = new SyncTaskStatesRepo(knex);
  const watched = new WatchedData(knex, secrets, secretsKey);
  const terraform = new TerraformBinary(cfg.terraform);
  const queue = new SyncRunQueue(deps.db, deps.tasks, repo, runs);
  const runDeps = {
    repo,
    runs,
    states,
    modules,
    watched,
    secrets,
    terraform,
    modulesRoot: cfg.modules_root,
    maxModuleBytes: cfg.max_module_bytes,
    eventsPerTask: cfg.events_per_task,
  };
  const watcher = new SyncWatcher(
    deps.db,
    repo,
    runs,
    watched,
    queue,
    { intervalMs: cfg.watch_interval_ms, batch: 100, ...opts },
    deps.log.child({ component: 'syncs', node: deps.config.node_id }),
  );

  const router = new Router<AppState>();
  router.use(SYNC_PREFIXES, syncResponses, rejectNulBytes);
  for (const r of [
    syncTaskRoutes({
      repo,
      runs,
      modules,
      watched,
      queue,
      tasks: deps.tasks,
      terraform,
      modulesRoot: cfg.modules_root,
      limits: {
        maxVariablesBytes: cfg.max_variables_bytes,
        defaultBuffer: {
          enabled: cfg.buffer_period.enabled,
          min: cfg.buffer_period.min,
          max: cfg.buffer_period.max,
        },
      },
    }),
    syncStatusRoutes({ knex, repo, runs, terraform, eventsPerTask: cfg.events_per_task }),
    syncModuleRoutes(modules, cfg.max_module_bytes),
  ]) {
    router.use(r.routes(), r.allowedMethods());
  }

  // Unknown paths under the family's prefixes: CTS's JSON 404, not the Director's plain text.
  const unknown = new Router<AppState>();
  unknown.all(FAMILY_PATH, function syncEndpointNotFound(ctx) {
    renderSyncError(ctx, 404, `no endpoint ${ctx.method} ${ctx.path}`);
  });

  return {
    migrations: [
      '20261203000020_create_sync_tasks',
      '20261203000021_create_sync_runs',
      '20261203000022_create_sync_task_states',
      '20261203000023_create_sync_modules',
    ],
    config: [{ key: 'syncs', schema: syncsConfigSchema }],
    operations: [syncTaskRun(runDeps), syncTaskInspect(runDeps)],
    routers: [router, unknown],
    realms: [syncRealm],
    verboseTaskTypes: [SYNC_RUN_TYPE, SYNC_INSPECT_TYPE],
    schedulable: [scheduledSyncRun(queue, repo)],
    async start() {
      // Not fatal: the rest of bosun works without terraform; /v1/health and task creation say why syncs do not.
      const check = await terraform.check();
      if (!check.ok) deps.log.warn({ problem: check.problem }, 'sync tasks cannot run: terraform is not available');
      watcher.start();
    },
    stop: () => watcher.stop(),
  };
}
