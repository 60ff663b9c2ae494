import type { DockerEngine, EngineContainerInfo } from '../../../docker/docker-engine';
import { LABELS } from '../../../docker/labels';
import type { TaskService } from '../../../tasks/task-service';
import { deploymentLock } from '../director-services';
import type { InstancesRepo } from '../instances/instances-repo';

/** A VM no instance owns any more, as `GET /orphaned_vms` and the clean-up's dry run list it. */
export interface OrphanedVm {
  cid: string;
  deploymentName: string;
  instanceName: string;
  /** When the container was created: bosun keeps no record of when its instance let go of it. */
  orphanedAt: Date;
}

/**
 * Instance containers (labelled with a deployment and an instance) that no instance row names: those of
 * deleted instances and deployments left behind by a crash, and a VM replaced while its task died. A
 * deployment with a running task is skipped whole: its deploy, recreate or errand may hold a container
 * it has created and not yet recorded.
 */
export class OrphanedVms {
  constructor(
    private readonly docker: DockerEngine,
    private readonly instances: Pick<InstancesRepo, 'containerIds'>,
    private readonly tasks: Pick<TaskService, 'listRunning'>,
  ) {}

  async list(): Promise<OrphanedVm[]> {
    const containers = await this.docker.listContainers({
      all: true,
      filters: { label: [`${LABELS.managed}=true`, LABELS.deployment, LABELS.instanceId] },
    });
    if (!containers.length) return [];
    const busy = new Set((await this.tasks.listRunning()).map((t) => t.queueName).filter(Boolean));
    const owned = await this.instances.containerIds();
    return containers
      .filter((c) => !owned.has(c.Id) && !busy.has(deploymentLock(c.Labels[LABELS.deployment])))
      .map(orphanOf)
      .sort((a, b) => a.orphanedAt.getTime() - b.orphanedAt.getTime() || a.cid.localeCompare(b.cid));
  }

  /** Removes the container and its anonymous volumes; one already gone counts as removed. */
  async delete(cid: string): Promise<void> {
    try {
      await this.docker.getContainer(cid).remove({ force: true, v: true });
    } catch (err) {
      if ((err as { statusCode?: number }).statusCode !== 404) throw err;
    }
  }
}

function orphanOf(c: EngineContainerInfo): OrphanedVm {
  return {
    cid: c.Id,
    deploymentName: c.Labels[LABELS.deployment],
    instanceName: `${c.Labels[LABELS.group] ?? 'unknown'}/${c.Labels[LABELS.instanceId]}`,
    orphanedAt: new Date(c.Created * 1000),
  };
}

/** The Director's orphaned VM hash (`Models::OrphanedVm.list_all`): bosun's VMs have no AZ and no IPs. */
export function presentOrphanedVm(vm: OrphanedVm) {
  return {
    az: null,
    cid: vm.cid,
    deployment_name: vm.deploymentName,
    instance_name: vm.instanceName,
    ip_addresses: [],
    orphaned_at: vm.orphanedAt
      .toISOString()
      .replace('T', ' ')
      .replace(/\.\d+Z$/, ' UTC'),
  };
}
