import crypto from 'node:crypto';
import { z } from 'zod';
import type { Stage } from '../../../tasks/event-log';
import { defineOperation } from '../../../runner/operation';
import { taskKind } from '../../../tasks/task-kind';
import type { TaskContext } from '../../../runner/task-context';
import type { EventRecorder } from '../events/event-recorder';
import type { InstanceUpdater } from '../instances/instance-updater';
import { instanceLabel } from '../instances/instance-updater';
import type { Instance, InstancesRepo } from '../instances/instances-repo';
import type { InstanceContainers } from '../instances/instance-containers';
import type { RenderedInstance } from '../instances/render-instance';
import type { PackageCompiler } from '../packages/package-compiler';
import type { BlobStore } from '../../../blobs/blob-store';
import type { TemplateRenderer } from '../templates/instance-templates';
import { countOf, InstanceGroupSpec, watchWindow } from './deployment-manifest';
import type { DeploymentsRepo } from './deployments-repo';
import { compileGroupPackages, GroupPackages, renderGroupInstance } from './group-materials';
import { resolveManifest, ResolveDeps, ResolvedDeployment } from './resolve-manifest';
import type { ContainerLimits } from '../../../docker/container-limits';
import type { ConfigsRepo } from '../configs/configs-repo';
import type { DeploymentConfigsRepo } from '../configs/deployment-configs-repo';
import { GroupPlacement, placeGroup } from './cloud-placement';
import { loadDeploymentConfigs } from './deployment-configs';

export const DEPLOY_TYPE = 'update_deployment';

const params = z.object({
  manifest: z.string(),
  recreate: z.boolean().default(false),
  dry_run: z.boolean().default(false),
  /** The config versions to deploy with, chosen when the deploy was requested (none for older tasks). */
  cloud_config_ids: z.array(z.number().int()).default([]),
  runtime_config_ids: z.array(z.number().int()).default([]),
});

export const deployTask = taskKind(DEPLOY_TYPE, params);

export interface DeployDeps extends ResolveDeps {
  deployments: DeploymentsRepo;
  instances: InstancesRepo;
  containers: InstanceContainers;
  updater: InstanceUpdater;
  compiler: PackageCompiler;
  renderer: TemplateRenderer;
  events: EventRecorder;
  blobs: BlobStore;
  configs: ConfigsRepo;
  deploymentConfigs: DeploymentConfigsRepo;
  /** bosun's `docker.max_limits`: the most a vm type may ask for. */
  maxLimits: ContainerLimits;
}

interface GroupPlan extends GroupPackages {
  group: InstanceGroupSpec;
  placement: GroupPlacement;
  instances: Array<{ instance: Instance; rendered: RenderedInstance; isNew: boolean }>;
}

/**
 * `bosh deploy`: resolve the manifest, compile what is missing, delete instances no longer wanted,
 * create missing ones, and update changed ones group by group, canaries first, then at most
 * `max_in_flight` at a time, each watched until its processes run. Event stages and steps read like
 * the Director's. The manifest is recorded as deployed only when everything succeeded.
 */
export function deployDeployment(deps: DeployDeps) {
  return defineOperation({
    ...deployTask,
    async run(p, ctx) {
      const name = ctx.task.deploymentName!;
      const existing = await deps.deployments.find(name);
      const action = existing?.manifest ? 'update' : 'create';
      const started = await deps.events.record({
        action,
        objectType: 'deployment',
        objectName: name,
        task: ctx.task,
        deployment: name,
      });
      try {
        const result = await deploy(deps, p, ctx, name);
        await deps.events.record({
          action,
          objectType: 'deployment',
          objectName: name,
          task: ctx.task,
          deployment: name,
          parent: started,
          context: result.context,
        });
        return `/deployments/${name}`;
      } catch (err) {
        await deps.events.record({
          action,
          objectType: 'deployment',
          objectName: name,
          task: ctx.task,
          deployment: name,
          parent: started,
          error: (err as Error).message,
          redactor: ctx.redactor,
        });
        throw err;
      }
    },
  });
}

async function deploy(deps: DeployDeps, p: z.infer<typeof params>, ctx: TaskContext, name: string) {
  const resolved = await ctx.beginStage('Preparing deployment', 1).step('Preparing deployment', async () => {
    const r = await resolveManifest(p.manifest, deps, ctx.redactor);
    if (r.manifest.name !== name)
      throw new Error(`Manifest names deployment '${r.manifest.name}', but the task is for '${name}'`);
    const configs = await loadDeploymentConfigs(deps.configs, p);
    const placements = new Map(
      r.manifest.instance_groups.map((g) => [g.name, placeGroup(g, configs.cloud, deps.maxLimits)]),
    );
    return { ...r, configs, placements };
  });
  ctx.checkpoint();

  const serviceGroups = resolved.manifest.instance_groups.filter((g) => g.lifecycle === 'service');
  const current = await deps.instances.ofDeployment(name);
  const obsolete = current.filter((i) => {
    const g = serviceGroups.find((x) => x.name === i.group);
    return !g || i.index >= g.instances;
  });

  // A dry run stops once the manifest resolved: nothing is compiled, created or changed.
  if (p.dry_run) return { context: { dry_run: true } };

  const plans: GroupPlan[] = [];
  for (const group of serviceGroups) {
    if (group.instances === 0) continue;
    const { packages, packageDigests } = await compileGroupPackages(deps.compiler, deps.blobs, ctx, resolved, group);
    plans.push({ group, placement: resolved.placements.get(group.name)!, packages, packageDigests, instances: [] });
  }

  if (obsolete.length) {
    const stage = ctx.beginStage('Deleting unneeded instances', obsolete.length);
    for (const inst of obsolete) {
      await stage.step(instanceLabel(inst), async () => {
        if (inst.containerId) await deps.containers.remove(inst.containerId);
        await deps.instances.delete(inst.id);
        await deps.events.record({
          action: 'delete',
          objectType: 'instance',
          objectName: `${inst.group}/${inst.id}`,
          task: ctx.task,
          instance: `${inst.group}/${inst.id}`,
        });
      });
    }
  }

  const kept = current.filter((i) => !obsolete.includes(i));
  const missing: Instance[] = [];
  for (const plan of plans) {
    for (let index = 0; index < plan.group.instances; index++) {
      let inst = kept.find((i) => i.group === plan.group.name && i.index === index);
      const isNew = !inst;
      if (!inst) {
        inst = await deps.instances.insert({
          id: crypto.randomUUID(),
          deployment: name,
          group: plan.group.name,
          index,
          bootstrap: index === 0,
        });
        missing.push(inst);
      }
      const stemcell = resolved.stemcells.get(plan.group.stemcell)!;
      const rendered = await renderGroupInstance(
        deps.renderer,
        resolved,
        plan.group,
        plan,
        inst,
        name,
        stemcell.cid,
        plan.placement,
      );
      plan.instances.push({ instance: inst, rendered, isNew });
    }
  }

  if (missing.length) {
    const stage = ctx.beginStage('Creating missing vms', missing.length);
    for (const plan of plans) {
      for (const item of plan.instances.filter((x) => x.isNew)) {
        await stage.step(instanceLabel(item.instance), async () => {
          await deps.updater.replaceContainer(
            name,
            item.instance,
            item.rendered,
            plan.packages,
            resolved.stemcells.get(plan.group.stemcell)!,
            plan.placement.limits,
          );
          await deps.events.record({
            action: 'create',
            objectType: 'instance',
            objectName: `${plan.group.name}/${item.instance.id}`,
            task: ctx.task,
            instance: `${plan.group.name}/${item.instance.id}`,
          });
        });
      }
    }
  }

  for (const plan of plans) {
    const changed = [];
    for (const item of plan.instances) {
      const needsContainer =
        !item.isNew &&
        (p.recreate || item.instance.configHash !== item.rendered.configHash || !item.instance.containerId);
      const needsStart =
        item.isNew ||
        needsContainer ||
        (item.instance.state === 'started' && !(await deps.containers.isRunning(item.instance.containerId!)));
      if (needsContainer || needsStart) changed.push({ ...item, needsContainer });
    }
    if (!changed.length) continue;
    await updateGroup(deps, ctx, resolved, plan, changed, name);
  }

  await deps.deployments.saveDeployed(
    name,
    p.manifest,
    [...resolved.releases.values()].map((r) => ({ name: r.name, version: r.version })),
    uniqueStemcells(resolved),
  );
  await deps.deploymentConfigs.record(name, resolved.configs.ids);
  return { context: {} };
}

function uniqueStemcells(resolved: ResolvedDeployment) {
  const seen = new Map<string, { name: string; version: string }>();
  for (const s of resolved.stemcells.values()) seen.set(`${s.name}/${s.version}`, { name: s.name, version: s.version });
  return [...seen.values()];
}

async function updateGroup(
  deps: DeployDeps,
  ctx: TaskContext,
  resolved: ResolvedDeployment,
  plan: GroupPlan,
  changed: Array<GroupPlan['instances'][number] & { needsContainer: boolean }>,
  deployment: string,
) {
  const update = { ...resolved.manifest.update, ...(plan.group.update ?? {}) };
  const canaries = Math.min(changed.length, countOf(update.canaries, plan.group.instances, 1));
  const maxInFlight = Math.max(1, countOf(update.max_in_flight, plan.group.instances, 1));
  const canaryWindow = watchWindow(update.canary_watch_time, [1000, 30000]);
  const updateWindow = watchWindow(update.update_watch_time, canaryWindow);
  const stage: Stage = ctx.beginStage('Updating instance', changed.length, [plan.group.name]);
  const stemcell = resolved.stemcells.get(plan.group.stemcell)!;

  const one = (item: (typeof changed)[number], canary: boolean) =>
    stage.step(`${instanceLabel(item.instance)}${canary ? ' (canary)' : ''}`, async () => {
      ctx.checkpoint();
      if (item.needsContainer)
        await deps.updater.replaceContainer(
          deployment,
          item.instance,
          item.rendered,
          plan.packages,
          stemcell,
          plan.placement.limits,
        );
      await deps.updater.startAndWatch(item.instance, canary ? canaryWindow : updateWindow, ctx.signal);
      if (!item.isNew) {
        await deps.events.record({
          action: 'update',
          objectType: 'instance',
          objectName: `${plan.group.name}/${item.instance.id}`,
          task: ctx.task,
          instance: `${plan.group.name}/${item.instance.id}`,
        });
      }
    });

  await inBatches(changed.slice(0, canaries), canaries, (item) => one(item, true));
  await inBatches(changed.slice(canaries), maxInFlight, (item) => one(item, false));
}

/** Runs `fn` over items at most `width` at a time; the first failure stops further batches and is rethrown. */
async function inBatches<T>(items: T[], width: number, fn: (item: T) => Promise<void>): Promise<void> {
  for (let i = 0; i < items.length; i += width) {
    const results = await Promise.allSettled(items.slice(i, i + width).map(fn));
    const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
    if (failed) throw failed.reason;
  }
}
