import type { BlobStore } from '../../../blobs/blob-store';
import type { TaskContext } from '../../../runner/task-context';
import { watchWindow } from '../deployments/deployment-manifest';
import type { DeploymentsRepo } from '../deployments/deployments-repo';
import { compileGroupPackages, renderGroupInstance } from '../deployments/group-materials';
import { resolveManifest, ResolveDeps, ResolvedDeployment } from '../deployments/resolve-manifest';
import type { InstanceContainers } from '../instances/instance-containers';
import type { InstanceUpdater } from '../instances/instance-updater';
import type { Instance } from '../instances/instances-repo';
import type { PackageCompiler } from '../packages/package-compiler';
import type { TemplateRenderer } from '../templates/instance-templates';

export interface RebuildDeps extends ResolveDeps {
  deployments: DeploymentsRepo;
  containers: InstanceContainers;
  updater: InstanceUpdater;
  compiler: PackageCompiler;
  renderer: TemplateRenderer;
  blobs: BlobStore;
}

/**
 * A new VM for an instance whose VM is missing or broken, built as the last successful deploy built
 * it: the deployed manifest resolved again, its group's packages (compiled already) and the
 * instance's templates rendered. The old container, if any, is removed. One per task: the manifest is
 * resolved once however many instances it rebuilds.
 */
export class InstanceRebuilder {
  private resolved: Promise<ResolvedDeployment> | null = null;

  constructor(
    private readonly deps: RebuildDeps,
    private readonly ctx: TaskContext,
    private readonly deployment: string,
  ) {}

  private resolve(): Promise<ResolvedDeployment> {
    return (this.resolved ??= this.deps.deployments.find(this.deployment).then((d) => {
      if (!d?.manifest) throw new Error(`Deployment '${this.deployment}' has not been deployed`);
      return resolveManifest(d.manifest, this.deps, this.ctx.redactor);
    }));
  }

  /** Recreates the instance's VM; starts it unless the operator stopped it, waiting for its processes when `wait`. */
  async recreate(inst: Instance, wait: boolean): Promise<void> {
    const resolved = await this.resolve();
    const group = resolved.manifest.instance_groups.find((g) => g.name === inst.group && g.lifecycle === 'service');
    if (!group) throw new Error(`Instance group '${inst.group}' is not in the deployed manifest`);
    const packages = await compileGroupPackages(this.deps.compiler, this.deps.blobs, this.ctx, resolved, group);
    const stemcell = resolved.stemcells.get(group.stemcell)!;
    const rendered = await renderGroupInstance(
      this.deps.renderer,
      resolved,
      group,
      packages,
      inst,
      this.deployment,
      stemcell.cid,
    );
    await this.deps.updater.replaceContainer(this.deployment, inst, rendered, packages.packages, stemcell);
    if (inst.state === 'stopped') return;
    if (!wait) {
      await this.deps.containers.start(inst.containerId!);
      return;
    }
    const update = { ...resolved.manifest.update, ...(group.update ?? {}) };
    await this.deps.updater.startAndWatch(inst, watchWindow(update.canary_watch_time, [1000, 30000]), this.ctx.signal);
  }
}
