import Router from '@koa/router';
import type { Family, FamilyDeps } from '../family';
import { directorErrors } from '../../http/director/director-errors';
import { deploymentsRoutes } from './deployments/deployments-routes';
import { instancesRoutes } from './instances/instances-routes';
import { locksEventsRoutes } from './events/locks-events-routes';
import { releasesRoutes } from './releases/releases-routes';
import { stemcellsRoutes } from './stemcells/stemcells-routes';
import type { AppState } from '../../http/context';
import { rejectNulBytes } from '../../http/middleware/reject-nul-bytes';
import { taskStarter } from '../../http/start-task';
import { cleanupDryRunRoutes } from './cleanup/cleanup-routes';
import { deleteArtifacts } from './cleanup/delete-artifacts';
import { noOrphanedDisks } from './cleanup/orphaned-disks';
import { OrphanedVms } from './cleanup/orphaned-vms';
import { changeInstanceState } from './deployments/change-instance-state';
import { deleteDeployment } from './deployments/delete-deployment';
import { deployDeployment } from './deployments/deploy-deployment';
import { runErrand } from './deployments/run-errand';
import { scheduledDeploymentOperations } from './deployments/scheduled-operations';
import { vmStates } from './deployments/vm-states';
import { DirectorServices } from './director-services';
import { withLockEvents } from './events/lock-events';
import { deleteRelease } from './releases/delete-release';
import { uploadRelease } from './releases/upload-release';
import { deleteStemcell } from './stemcells/delete-stemcell';
import { uploadStemcell } from './stemcells/upload-stemcell';
import { templatesConfigSchema } from './templates/templates-config';

/**
 * The Director's workloads on Docker: stemcells are images, VMs are containers. Its routes share the
 * Director's errors and authentication; its tasks are ordinary Director tasks, and every task of a
 * deployment runs in that deployment's serial queue (its lock).
 */
export function directorFamily(deps: FamilyDeps): Family {
  const { docker, secrets } = deps;
  const s = new DirectorServices(deps.config, deps.db, deps.tasks, docker, secrets);
  const resolveDeps = {
    releases: s.releases,
    stemcells: s.stemcells,
    blobs: s.blobs,
    secrets,
    directorName: s.directorName,
  };
  const startTask = taskStarter(deps.tasks);
  const cleanupSources = {
    releases: s.releases,
    stemcells: s.stemcells,
    compiled: s.compiled,
    deployments: s.deployments,
    orphanedVms: new OrphanedVms(docker, s.instances, deps.tasks),
    orphanedDisks: noOrphanedDisks,
  };
  const router = new Router<AppState>();
  router.use(directorErrors, rejectNulBytes);
  for (const r of [
    stemcellsRoutes(s, startTask),
    releasesRoutes(s, startTask),
    deploymentsRoutes(s, startTask),
    instancesRoutes(s, startTask),
    locksEventsRoutes(s, deps.config.tasks.timeout_seconds),
    cleanupDryRunRoutes(cleanupSources),
  ]) {
    router.use(r.routes(), r.allowedMethods());
  }
  const network = { nodeId: deps.config.node_id, networkMode: deps.config.docker.network };
  return {
    migrations: ['20261129000006_create_director_workloads'],
    config: { key: 'templates', schema: templatesConfigSchema },
    operations: [
      uploadStemcell(docker, s.blobs, s.stemcells, s.events),
      deleteStemcell(docker, s.stemcells, s.deployments, s.compiled, s.blobs, s.events),
      uploadRelease(s.blobs, s.releases, s.events),
      deleteRelease(s.releases, s.deployments, s.compiled, s.blobs, s.events),
      vmStates(s.instances, s.containers),
      deleteArtifacts({ ...cleanupSources, docker, blobs: s.blobs, events: s.events }),
      ...[
        deployDeployment({
          ...resolveDeps,
          deployments: s.deployments,
          instances: s.instances,
          containers: s.containers,
          updater: s.updater,
          compiler: s.compiler,
          renderer: s.renderer,
          events: s.events,
        }),
        deleteDeployment(s.deployments, s.instances, s.containers, s.events),
        changeInstanceState(s.deployments, s.instances, s.containers, s.updater, s.events),
        runErrand({
          ...resolveDeps,
          deployments: s.deployments,
          instances: s.instances,
          containers: s.containers,
          compiler: s.compiler,
          renderer: s.renderer,
          events: s.events,
          ...network,
        }),
      ].map((op) => withLockEvents<unknown>(op, s.events)),
    ],
    routers: [router],
    schedulable: scheduledDeploymentOperations(),
    stop: () => s.renderer.close(),
  };
}
