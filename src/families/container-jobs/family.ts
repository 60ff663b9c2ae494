import Docker from 'dockerode';
import Router from '@koa/router';
import type { Family, FamilyDeps } from '../family';
import { toLimits } from '../../docker/container-limits';
import { BlobStore } from '../../blobs/blob-store';
import { removeOrphanContainers } from '../../docker/orphan-containers';
import { RegistryAllowList } from '../../docker/registry-allow-list';
import type { JobAdmission } from './container-job-admission';
import { ContainerJobsRepo } from './container-jobs-repo';
import { runContainerJob } from './run-container-job';
import type { SecretResolver } from './secrets-file';
import { CONTAINER_JOB_TYPE } from './run-container-job';
import type { AppState } from '../../http/context';
import { gostintErrors } from './container-jobs-errors';
import { jobRoutes } from './container-job-routes';
import { scheduledContainerJob } from './scheduled-container-job';

export interface GostintOptions {
  docker: Docker;
  secrets: SecretResolver;
  networkMode: string;
  stopGraceSeconds: number;
}

/** The GoStint job API (`/v1/api/job`): container jobs run as Director tasks on the Docker engine. */
export function gostintFamily(deps: FamilyDeps, opts: GostintOptions): Family {
  const jobs = new ContainerJobsRepo(deps.db.knex);
  const docker = deps.config.docker;
  const admission: JobAdmission = {
    defaults: toLimits(docker.limits),
    maxima: toLimits(docker.max_limits),
    registries: new RegistryAllowList(docker.allowed_registries),
  };
  const blobs = new BlobStore(deps.db.knex);
  const router = new Router<AppState>();
  router.use('/v1/api/job', gostintErrors);
  const routes = jobRoutes(deps.tasks, jobs, admission, blobs);
  router.use(routes.routes(), routes.allowedMethods());
  return {
    operations: [
      runContainerJob(opts.docker, jobs, blobs, opts.secrets, {
        nodeId: deps.config.node_id,
        networkMode: opts.networkMode,
        stopGraceSeconds: opts.stopGraceSeconds,
        admission,
        security: { noNewPrivileges: docker.no_new_privileges, capDrop: docker.cap_drop },
      }),
    ],
    routers: [router],
    verboseTaskTypes: [CONTAINER_JOB_TYPE],
    schedulable: [scheduledContainerJob(deps.tasks, jobs, admission)],
    async start() {
      const removed = await removeOrphanContainers(opts.docker, deps.config.node_id, (id) =>
        deps.tasks.isRunningOn(id, deps.config.node_id),
      );
      if (removed.length) deps.log.info({ containers: removed }, 'removed containers of tasks no longer running');
    },
  };
}
