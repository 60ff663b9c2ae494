import { z } from 'zod';
import { defineOperation } from '../../../runner/operation';
import { taskKind } from '../../../tasks/task-kind';
import { applyResolutions, CloudCheckDeps, scanDisks, scanVms } from './cloud-check';

export const scanTask = taskKind('cck_scan', z.object({}));

export const applyResolutionsTask = taskKind(
  'cck_apply',
  z.object({
    resolutions: z.record(z.string(), z.string().nullable()),
    max_in_flight_overrides: z.record(z.string(), z.string()).default({}),
  }),
);

export const scanAndFixTask = taskKind(
  'cck_scan_and_fix',
  z.object({
    /** [instance group, index] pairs, as the health monitor names them. */
    jobs: z.array(z.tuple([z.string(), z.number().int()])),
    /** Why each instance (by id) is looked at: what the recreate event records. */
    reasons: z.record(z.string(), z.string()).default({}),
  }),
);

/** `bosh cck`'s scan (`POST /deployments/:d/scans`): the open problems are closed, the VMs scanned again. */
export function cloudCheckScan(deps: CloudCheckDeps) {
  return defineOperation({
    ...scanTask,
    async run(_p, ctx) {
      const name = ctx.task.deploymentName!;
      await deps.problems.closeOpen(name);
      await scanVms(deps, ctx, await deps.instances.ofDeployment(name));
      await scanDisks(ctx);
      return 'scan complete';
    },
  });
}

/** `PUT /deployments/:d/problems`: the resolutions `bosh cck` chose (or none: each problem's automatic one). */
export function cloudCheckApply(deps: CloudCheckDeps) {
  return defineOperation({
    ...applyResolutionsTask,
    async run(p, ctx) {
      const { resolved, errors } = await applyResolutions(deps, ctx, p.resolutions);
      if (errors.length) throw new Error(errors.join('\n'));
      return `${resolved} resolved`;
    },
  });
}

/**
 * What the resurrector asks for (and `PUT /deployments/:d/scan_and_fix`): the named instances are
 * scanned and every VM missing or not answering is recreated, ignored instances aside.
 */
export function cloudCheckScanAndFix(deps: CloudCheckDeps) {
  return defineOperation({
    ...scanAndFixTask,
    async run(p, ctx) {
      const name = ctx.task.deploymentName!;
      const all = await deps.instances.ofDeployment(name);
      const chosen = all.filter((i) => p.jobs.some(([group, index]) => i.group === group && i.index === index));
      await deps.problems.closeOpen(
        name,
        chosen.map((i) => i.id),
      );
      await scanVms(deps, ctx, chosen);
      const wanted = new Set(chosen.filter((i) => !i.ignore).map((i) => i.id));
      const resolutions: Record<string, string> = {};
      for (const problem of await deps.problems.open(name)) {
        if (wanted.has(problem.instanceId)) resolutions[String(problem.id)] = 'recreate_vm';
      }
      const { errors } = await applyResolutions(deps, ctx, resolutions, (inst) =>
        p.reasons[inst.id] ? { reason: p.reasons[inst.id] } : {},
      );
      if (errors.length) throw new Error(errors.join('\n'));
      return 'scan and fix complete';
    },
  });
}
