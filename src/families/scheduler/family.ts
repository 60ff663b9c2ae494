import Router from '@koa/router';
import type { Family, FamilyDeps, ScheduledOperation } from '../family';
import type { AppState } from '../../http/context';
import { rejectNulBytes } from '../../http/middleware/reject-nul-bytes';
import { MISFIRE_GRACE_MS } from './fire-plan';
import { FiringLoop, FiringOptions } from './firing-loop';
import { jobConfigRoutes } from './job-config-routes';
import { JobConfigsRepo } from './job-configs-repo';
import { jobRunRoutes } from './job-run-routes';
import { JobRunsRepo } from './job-runs-repo';
import { schedulerRealm } from './scheduler-auth';
import { ciphertrustErrors } from '../../http/ciphertrust/ciphertrust-errors';

const DEFAULTS: Omit<FiringOptions, 'nodeId'> = {
  pollMs: 10_000,
  batch: 500,
  orphanAfterMs: 15_000,
  misfireGraceMs: MISFIRE_GRACE_MS,
};

/**
 * The CipherTrust-style scheduler (`/api/v1/scheduler`): job configurations run an operation of any
 * family on a cron schedule; every run is that operation's own Director task.
 */
export function schedulerFamily(deps: FamilyDeps, opts: Partial<Omit<FiringOptions, 'nodeId'>> = {}): Family {
  const configs = new JobConfigsRepo(deps.db);
  const runs = new JobRunsRepo(deps.db.knex);
  const schedulable = (): ScheduledOperation[] => deps.schedulable?.() ?? [];
  const operation = (name: string) => schedulable().find((o) => o.name === name);
  const loop = new FiringLoop(
    deps.db,
    deps.tasks,
    configs,
    runs,
    operation,
    { ...DEFAULTS, ...opts, nodeId: deps.config.node_id },
    deps.log.child({ component: 'scheduler', node: deps.config.node_id }),
  );

  const router = new Router<AppState>();
  router.use('/api/v1/scheduler', ciphertrustErrors, rejectNulBytes);
  for (const r of [
    jobConfigRoutes({
      configs,
      runs,
      operation,
      operationNames: () => schedulable().map((o) => o.name),
      nodeId: deps.config.node_id,
      tasks: deps.tasks,
    }),
    jobRunRoutes(runs, deps.tasks),
  ]) {
    router.use(r.routes(), r.allowedMethods());
  }
  return {
    migrations: ['20261202000011_create_scheduler_job_configs', '20261202000012_create_scheduler_runs'],
    operations: [],
    routers: [router],
    realms: [schedulerRealm],
    start() {
      loop.start();
      return Promise.resolve();
    },
    stop: () => loop.stop(),
  };
}
