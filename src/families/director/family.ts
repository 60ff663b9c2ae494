import Router from '@koa/router';
import type { Family, FamilyDeps } from '../family';
import { directorErrors } from '../../http/director/director-errors';
import { configsRoutes } from './configs/configs-routes';
import { legacyConfigsRoutes } from './configs/legacy-configs-routes';
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
import { toLimits } from '../../docker/container-limits';
import { withLockEvents } from './events/lock-events';
import { deleteRelease } from './releases/delete-release';
import { uploadRelease } from './releases/upload-release';
import { deleteStemcell } from './stemcells/delete-stemcell';
import { uploadStemcell } from './stemcells/upload-stemcell';
import { templatesConfigSchema } from './templates/templates-config';
import { cloudCheckRoutes } from './cloud-check/cloud-check-routes';
import { cloudCheckApply, cloudCheckScan, cloudCheckScanAndFix } from './cloud-check/cloud-check-operations';
import { ProblemsRepo } from './cloud-check/problems-repo';
import { resurrectionConfigSchema } from './resurrection/resurrection-config';
import { ResurrectionSetting } from './resurrection/resurrection-setting';
import { ResurrectionsRepo } from './resurrection/resurrections-repo';
import { Resurrector } from './resurrection/resurrector';

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
  const problems = new ProblemsRepo(deps.db.knex);
  const resurrection = new ResurrectionSetting(deps.db.knex);
  const cloudCheck = {
    ...resolveDeps,
    problems,
    deployments: s.deployments,
    instances: s.instances,
    containers: s.containers,
    updater: s.updater,
    compiler: s.compiler,
    renderer: s.renderer,
    events: s.events,
  };
  const r = deps.config.resurrection;
  const resurrector = r.enabled
    ? new Resurrector(
        docker,
        deps.tasks,
        s.instances,
        new ResurrectionsRepo(deps.db.knex),
        resurrection,
        s.events,
        {
          nodeId: deps.config.node_id,
          sweepSeconds: r.sweep_seconds,
          windowSeconds: r.window_seconds,
          backoffAfter: r.backoff_after,
          backoffBaseSeconds: r.backoff_base_seconds,
          backoffMaxSeconds: r.backoff_max_seconds,
        },
        deps.log,
      )
    : null;
  const router = new Router<AppState>();
  router.use(directorErrors, rejectNulBytes);
  for (const r of [
    stemcellsRoutes(s, startTask),
    releasesRoutes(s, startTask),
    deploymentsRoutes(s, startTask),
    configsRoutes(s.configs, s.configChanges, s.deploymentConfigs),
    legacyConfigsRoutes(s.configs, s.configChanges),
    instancesRoutes(s, startTask),
    locksEventsRoutes(s, deps.config.tasks.timeout_seconds),
    cleanupDryRunRoutes(cleanupSources),
    cloudCheckRoutes(s, problems, resurrection, startTask),
  ]) {
    router.use(r.routes(), r.allowedMethods());
  }
  const network = { nodeId: deps.config.node_id, networkMode: deps.config.docker.network };
  return {
    migrations: [
      '20261129000006_create_director_workloads',
      '20261204000050_create_configs',
      '20261204000051_create_deployments_configs',
      '20261205000050_create_cloud_check',
    ],
    config: [
      { key: 'templates', schema: templatesConfigSchema },
      { key: 'resurrection', schema: resurrectionConfigSchema },
    ],
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
          configs: s.configs,
          deploymentConfigs: s.deploymentConfigs,
          maxLimits: toLimits(deps.config.docker.max_limits),
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
        cloudCheckScan(cloudCheck),
        cloudCheckApply(cloudCheck),
        cloudCheckScanAndFix(cloudCheck),
      ].map((op) => withLockEvents<unknown>(op, s.events)),
    ],
    routers: [router],
    schedulable: scheduledDeploymentOperations(),
    start: async () => {
      await resurrector?.start();
    },
    stop: async () => {
      await resurrector?.stop();
      await s.renderer.close();
    },
  };
}
