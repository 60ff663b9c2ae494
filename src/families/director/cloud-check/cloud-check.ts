import type { TaskContext } from '../../../runner/task-context';
import type { EventRecorder } from '../events/event-recorder';
import type { InstanceContainers } from '../instances/instance-containers';
import type { Instance, InstancesRepo } from '../instances/instances-repo';
import { InstanceRebuilder, RebuildDeps } from './instance-rebuilder';
import { describeProblem, handlerClass, PROBLEM_TYPES } from './problem-types';
import type { Problem, ProblemsRepo } from './problems-repo';
import { probeVm } from './vm-probe';

export interface CloudCheckDeps extends RebuildDeps {
  problems: ProblemsRepo;
  instances: InstancesRepo;
  containers: InstanceContainers;
  events: EventRecorder;
}

/** A resolution's outcome that is not a failure of the task but is reported as the Director does. */
class ProblemHandlerError extends Error {}

/**
 * The Director's VM scan stage (problem_scanner/vm_scan_stage.rb) on Docker: every instance of the
 * deployment (or those named), ignored ones aside, probed at once; a problem registered for each VM
 * that is missing or not answering.
 */
export async function scanVms(deps: CloudCheckDeps, ctx: TaskContext, chosen: Instance[]): Promise<void> {
  const name = ctx.task.deploymentName!;
  const stage = ctx.beginStage(`Scanning ${chosen.length} VMs`, 2);
  const counts = { ok: 0, unresponsive: 0, missing: 0 };
  await stage.step('Checking VM states', async () => {
    const probed = await Promise.all(
      chosen.filter((i) => !i.ignore).map(async (inst) => ({ inst, condition: await probeVm(deps.containers, inst) })),
    );
    for (const { inst, condition } of probed) {
      counts[condition]++;
      if (condition === 'ok') continue;
      const type = condition === 'missing' ? 'missing_vm' : 'unresponsive_agent';
      const problem = await deps.problems.found(name, inst.id, type);
      await ctx.debug(`Found ${type} for ${inst.group}/${inst.id}: problem ${problem.id}, count ${problem.counter}`);
    }
  });
  const ignored = chosen.filter((i) => i.ignore).length;
  await stage.step(
    `${counts.ok} OK, ${counts.unresponsive} unresponsive, ${counts.missing} missing, 0 unbound` +
      (ignored ? `, ${ignored} ignored` : ''),
    () => Promise.resolve(),
  );
}

/** bosun keeps no persistent disks: the Director's disk scan stage, with nothing to look at. */
export async function scanDisks(ctx: TaskContext): Promise<void> {
  const stage = ctx.beginStage('Scanning 0 persistent disks', 2);
  await stage.step('Looking for inactive disks', () => Promise.resolve());
  await stage.step('0 OK, 0 missing, 0 inactive, 0 mount-info mismatch', () => Promise.resolve());
}

/**
 * The Director's problem resolver: each chosen problem of the deployment gets its resolution (the
 * handler's automatic one when none is given), one step each; a closed or resolved problem is only
 * reported. A resolution that fails is collected, the problem still counts as resolved, and the task
 * fails at the end with every message, as the Director's does.
 */
export async function applyResolutions(
  deps: CloudCheckDeps,
  ctx: TaskContext,
  resolutions: Record<string, string | null>,
  context: (inst: Instance) => Record<string, unknown> = () => ({}),
): Promise<{ resolved: number; errors: string[] }> {
  const name = ctx.task.deploymentName!;
  const ids = Object.keys(resolutions)
    .map(Number)
    .filter((n) => Number.isSafeInteger(n));
  const problems = await deps.problems.withIds(name, ids);
  const stage = ctx.beginStage('Applying problem resolutions', problems.length);
  const rebuilder = new InstanceRebuilder(deps, ctx, name);
  const errors: string[] = [];
  let resolved = 0;
  for (const problem of problems) {
    ctx.checkpoint();
    if (problem.state !== 'open') {
      await stage.step(`Ignoring problem ${problem.id} (state is '${problem.state}')`, () => Promise.resolve());
      continue;
    }
    try {
      const inst = await deps.instances.find(problem.instanceId);
      if (!inst) throw new ProblemHandlerError(`Instance '${problem.instanceId}' is no longer in the database`);
      const type = PROBLEM_TYPES[problem.type];
      const resolution = resolutions[String(problem.id)] ?? type.auto;
      const plan = type.resolutions.find((r) => r.name === resolution)?.plan ?? 'no resolution';
      const summary = `${describeProblem(problem.type, inst)} (${problem.type} ${problem.instanceId}): ${plan}`;
      try {
        await stage.step(summary, () => resolve(deps, rebuilder, ctx, problem, inst, resolution, context(inst)));
      } catch (err) {
        if (!(err instanceof ProblemHandlerError)) throw err;
        errors.push(`Error resolving problem '${problem.id}': ${err.message}`);
      }
      await deps.problems.markResolved(problem.id);
      resolved++;
    } catch (err) {
      errors.push(`Error resolving problem '${problem.id}': ${(err as Error).message}`);
    }
  }
  return { resolved, errors };
}

async function resolve(
  deps: CloudCheckDeps,
  rebuilder: InstanceRebuilder,
  ctx: TaskContext,
  problem: Problem,
  inst: Instance,
  resolution: string,
  context: Record<string, unknown>,
): Promise<void> {
  if (!PROBLEM_TYPES[problem.type].resolutions.some((r) => r.name === resolution)) {
    throw new ProblemHandlerError(`Cannot find '${resolution}' resolution for '${handlerClass(problem.type)}'`);
  }
  if (resolution === 'ignore') return;
  // As the Director's unresponsive-agent handler validates: an agent that answers again is left alone.
  if (problem.type === 'unresponsive_agent') {
    if (!inst.containerId) throw new ProblemHandlerError(`VM '' is no longer in the database`);
    if ((await probeVm(deps.containers, inst)) === 'ok') {
      throw new ProblemHandlerError('Agent is responding now, skipping resolution');
    }
  }
  const record = (action: string, objectType: string, objectName: string) =>
    deps.events.record({
      action,
      objectType,
      objectName,
      task: ctx.task,
      instance: `${inst.group}/${inst.id}`,
      context: { problem: problem.type, resolution, ...context },
    });
  switch (resolution) {
    case 'recreate_vm':
    case 'recreate_vm_without_wait':
      await rebuilder.recreate(inst, resolution === 'recreate_vm');
      await record('recreate', 'instance', `${inst.group}/${inst.id}`);
      return;
    case 'reboot_vm':
      await deps.containers.stop(inst.containerId!);
      await deps.containers.start(inst.containerId!);
      await record('reboot', 'vm', inst.containerId!.slice(0, 12));
      return;
    case 'delete_vm':
      await deps.containers.remove(inst.containerId!);
      await record('delete', 'vm', inst.containerId!.slice(0, 12));
      await deps.instances.update(inst.id, { containerId: null, vmCreatedAt: null });
      return;
    case 'delete_vm_reference':
      await deps.instances.update(inst.id, { containerId: null, vmCreatedAt: null });
      await record('delete', 'vm', inst.containerId?.slice(0, 12) ?? '');
      return;
  }
}
