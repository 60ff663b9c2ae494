import Router from '@koa/router';
import type { Family, FamilyDeps } from '../family';
import { toLimits } from '../../docker/container-limits';
import { BlobStore } from '../../blobs/blob-store';
import { removeOrphanContainers } from '../../docker/orphan-containers';
import { RegistryAllowList } from '../../docker/registry-allow-list';
import type { AppState } from '../../http/context';
import type { ContainerJobAdmission } from './container-job-admission';
import { containerJobRoutes } from './container-job-routes';
import { ContainerJobsRepo } from './container-jobs-repo';
import { gostintErrors } from './container-jobs-errors';
import { gostintRealm } from './container-jobs-auth';
import { CONTAINER_JOB_TYPE, runContainerJob } from './run-container-job';
import { scheduledContainerJob } from './scheduled-container-job';

/** The GoStint job API (`/v1/api/job`): container jobs run as Director tasks on the Docker engine. */
export function containerJobsFamily(deps: FamilyDeps): Family {
  const jobs = new ContainerJobsRepo(deps.db.knex);
  const docker = deps.config.docker;
  const admission: ContainerJobAdmission = {
    defaults: toLimits(docker.limits),
    maxima: toLimits(docker.max_limits),
    registries: new RegistryAllowList(docker.allowed_registries),
  };
  const blobs = new BlobStore(deps.db.knex);
  const router = new Router<AppState>();
  router.use('/v1/api/job', gostintErrors);
  const routes = containerJobRoutes(deps.tasks, jobs, admission, blobs);
  router.use(routes.routes(), routes.allowedMethods());
  return {
    migrations: ['20261124000005_create_container_jobs'],
    operations: [
      runContainerJob(deps.docker, jobs, blobs, deps.secrets, {
        nodeId: deps.config.node_id,
        networkMode: docker.network,
        stopGraceSeconds: docker.stop_grace_seconds,
        admission,
        security: { noNewPrivileges: docker.no_new_privileges, capDrop: docker.cap_drop },
      }),
    ],
    routers: [router],
    realms: [gostintRealm],
    verboseTaskTypes: [CONTAINER_JOB_TYPE],
    schedulable: [scheduledContainerJob(jobs, admission)],
    async start() {
      const removed = await removeOrphanContainers(deps.docker, deps.config.node_id, (id) =>
        deps.tasks.isRunningOn(id, deps.config.node_id),
      );
      if (removed.length) deps.log.info({ containers: removed }, 'removed containers of tasks no longer running');
    },
  };
}
