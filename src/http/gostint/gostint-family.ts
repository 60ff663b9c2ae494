import Docker from 'dockerode';
import Router from '@koa/router';
import type { Family, FamilyDeps } from '../../daemon';
import { removeOrphanContainers } from '../../docker/orphan-containers';
import { ContainerJobsRepo } from '../../jobs/container-jobs-repo';
import { runContainerJob } from '../../jobs/run-container-job';
import type { SecretResolver } from '../../jobs/secrets-file';
import { addVerboseType } from '../../tasks/task-types';
import { CONTAINER_JOB_TYPE } from '../../jobs/run-container-job';
import type { AppState } from '../context';
import { gostintAuth } from './gostint-auth';
import { gostintErrors } from './gostint-errors';
import { jobRoutes } from './job-routes';
import { scheduledContainerJob } from '../../jobs/scheduled-container-job';

export interface GostintOptions {
  docker: Docker;
  secrets: SecretResolver;
  networkMode: string;
  stopGraceSeconds: number;
}

/** The GoStint job API (`/v1/api/job`): container jobs run as Director tasks on the Docker engine. */
export function gostintFamily(deps: FamilyDeps, opts: GostintOptions): Family {
  const jobs = new ContainerJobsRepo(deps.db.knex);
  addVerboseType(CONTAINER_JOB_TYPE);
  const router = new Router<AppState>();
  router.use('/v1/api/job', gostintErrors, gostintAuth(deps.users));
  const routes = jobRoutes(deps.tasks, jobs);
  router.use(routes.routes(), routes.allowedMethods());
  return {
    operations: [
      runContainerJob(opts.docker, jobs, opts.secrets, {
        nodeId: deps.config.node_id,
        networkMode: opts.networkMode,
        stopGraceSeconds: opts.stopGraceSeconds,
      }),
    ],
    routers: [router],
    schedulable: [scheduledContainerJob(deps.tasks, jobs)],
    async start() {
      const removed = await removeOrphanContainers(opts.docker, deps.config.node_id, (id) =>
        deps.tasks.tasks.isRunningOn(id, deps.config.node_id),
      );
      if (removed.length) deps.log.info({ containers: removed }, 'removed containers of tasks no longer running');
    },
  };
}
