import crypto from 'node:crypto';
import { z } from 'zod';
import { TaskCancelledError } from '../../errors/task-cancelled';
import { defineOperation, Operation } from '../../runner/operation';
import type { TaskContext } from '../../runner/task-context';
import type { Step } from '../../tasks/event-log';
import type { BootActionService } from './boot-action-service';
import type { DesignStore } from './design-store';
import type { EffectiveSite } from './design-validation';
import { validateDocuments } from './design-store';
import { alignWithSubtasks, DrydockTask, fail, newResult, subtaskAction, succeed } from './drydock-task';
import type { DrydockTasksRepo } from './drydock-tasks-repo';
import type { NodeActions, NodeOutcome, NodeWork } from './node-actions';
import type { NodeContainers } from './node-containers';
import { selectNodes } from './node-filter';
import type { NodeModel } from './site-design';

export const DRYDOCK_TASK_TYPE = 'drydock_task';

export interface DrydockOperationDeps {
  drydockTasks: DrydockTasksRepo;
  designs: DesignStore;
  actions: NodeActions;
  containers: NodeContainers;
  reports: BootActionService;
  /** Node subtasks run at once. */
  width: number;
}

type NodeAction = (w: NodeWork) => Promise<NodeOutcome>;

const STAGES: Record<string, string> = {
  verify_nodes: 'Verifying nodes',
  prepare_nodes: 'Preparing nodes',
  deploy_nodes: 'Deploying nodes',
  destroy_nodes: 'Destroying nodes',
  relabel_nodes: 'Relabeling nodes',
};

/**
 * Every Drydock task is this Director task: it runs the task's action over its design, node actions
 * as one subtask per node (rows of drydock_tasks, not Director tasks: a Director task per node would
 * take a worker each while its parent holds one waiting for them, and 20 nodes on 4 workers would
 * queue behind the parent's own slot), `width` at a time. Its Drydock status and result are kept in
 * step with what it does; a cancel of the Director task terminates it.
 */
export function drydockOperation(d: DrydockOperationDeps): Operation<{ task_id: string }> {
  return defineOperation({
    type: DRYDOCK_TASK_TYPE,
    params: z.object({ task_id: z.string().uuid() }),
    async run({ task_id }, ctx) {
      const task = await d.drydockTasks.find(task_id);
      if (!task) throw new Error(`Drydock task ${task_id} not found`);
      if (task.terminate) {
        await finishTerminated(d, task, ctx);
        ctx.checkpoint();
        return `${task.action} ${task_id}: terminated`;
      }
      task.status = 'running';
      await d.drydockTasks.save(task);
      const note = (message: string, error = false) =>
        d.drydockTasks.addMessage(task.taskId, {
          message,
          error,
          contextType: 'task',
          context: task.taskId,
          extra: {},
        });
      try {
        await runAction(d, task, ctx, note);
      } catch (err) {
        if (ctx.signal.aborted) {
          await finishTerminated(d, task, ctx);
          ctx.checkpoint();
        }
        fail(task.result);
        task.result.message = (err as Error).message;
        task.status = 'complete';
        await note(`Task failed: ${(err as Error).message}`, true);
        await d.drydockTasks.save(task);
        throw err;
      }
      if (ctx.signal.aborted) {
        await finishTerminated(d, task, ctx);
        ctx.checkpoint();
      }
      task.status = 'complete';
      await d.drydockTasks.save(task);
      const summary =
        `${task.action} ${task.taskId}: ${task.result.status}` +
        (task.result.successes.length || task.result.failures.length
          ? ` (${task.result.successes.length} succeeded, ${task.result.failures.length} failed)`
          : '');
      await ctx.result({
        task_id: task.taskId,
        action: task.action,
        status: task.status,
        result: task.result.status,
        successes: task.result.successes,
        failures: task.result.failures,
      });
      if (task.result.status === 'failure') throw new Error(summary);
      return summary;
    },
  });
}

async function finishTerminated(d: DrydockOperationDeps, task: DrydockTask, ctx: TaskContext): Promise<void> {
  const current = (await d.drydockTasks.find(task.taskId)) ?? task;
  task.terminate = true;
  task.terminatedAt = current.terminatedAt ?? new Date();
  task.terminatedBy = current.terminatedBy ?? ctx.task.username;
  task.status = 'terminated';
  for (const st of await d.drydockTasks.subtasks(task.taskId)) {
    if (st.status !== 'complete' && st.status !== 'terminated') {
      await d.drydockTasks.save({
        ...st,
        status: 'terminated',
        terminate: true,
        terminatedAt: task.terminatedAt,
        terminatedBy: task.terminatedBy,
      });
    }
  }
  await d.drydockTasks.save(task);
  if (!ctx.signal.aborted) throw new TaskCancelledError(ctx.task.id);
}

async function runAction(
  d: DrydockOperationDeps,
  task: DrydockTask,
  ctx: TaskContext,
  note: (m: string, e?: boolean) => Promise<void>,
): Promise<void> {
  // The version resolved when the task was created: a later version does not change a task.
  const design = await d.designs.repo.find(task.designId!, task.designVersion!);
  if (!design) throw new Error(`Design ${task.designId} version ${task.designVersion} is gone`);
  if (task.action === 'validate_design') {
    const { status } = await ctx
      .beginStage('Validating design', 1)
      .step(task.designRef, () => validateDocuments(design.documents));
    for (const m of status.details.messageList)
      await d.drydockTasks.addMessage(task.taskId, {
        message: m.message,
        error: m.error,
        contextType: 'validation',
        context: m.name,
        extra: { level: m.level, diagnostic: m.diagnostic, documents: m.documents },
      });
    if (status.status === 'Success') succeed(task.result);
    else fail(task.result);
    task.result.message = status.message;
    task.result.reason = status.reason;
    return;
  }
  const site = d.designs.effective(design);
  if (task.action === 'verify_site') return verifySite(d, task, site, ctx, note);
  if (task.action === 'prepare_site') return prepareSite(d, task, site, ctx, note);
  const action: Record<string, NodeAction> = {
    verify_nodes: (w) => d.actions.verify(w),
    prepare_nodes: (w) => d.actions.prepare(w),
    deploy_nodes: (w) => d.actions.deploy(w),
    destroy_nodes: (w) => d.actions.destroy(w),
    relabel_nodes: (w) => d.actions.relabel(w),
  };
  const rackLabels = new Map(site.design.racks.map((r) => [r.name, r.labels]));
  const names = selectNodes(site.nodes, task.nodeFilter, rackLabels);
  const nodes = names.map((n) => site.nodes.find((x) => x.name === n)!);
  await note(`${nodes.length} nodes selected: ${names.join(', ')}`);
  await runSubtasks(d, task, site, nodes, action[task.action], ctx);
}

async function runSubtasks(
  d: DrydockOperationDeps,
  task: DrydockTask,
  site: EffectiveSite,
  nodes: NodeModel[],
  action: NodeAction,
  ctx: TaskContext,
): Promise<void> {
  const stage = ctx.beginStage(STAGES[task.action] ?? task.action, nodes.length);
  // Its nodes' boot-action reports, wherever they arrive, as steps of the stage.
  const pickup = d.reports.pickUp(ctx.task.id, async (lines) => {
    for (const l of lines) {
      const s: Step = await stage.start(`${l.node}/${l.action}: ${l.message}`);
      await (l.error ? s.fail(l.message) : s.finish());
    }
  });
  const subtasks: DrydockTask[] = [];
  for (const node of nodes) {
    const st: DrydockTask = {
      ...task,
      taskId: crypto.randomUUID(),
      directorTaskId: null,
      parentTaskId: task.taskId,
      action: subtaskAction(task.action),
      nodeName: node.name,
      nodeFilter: { filter_set_type: 'union', filter_set: [{ filter_type: 'union', node_names: [node.name] }] },
      status: 'queued',
      result: newResult(),
      createdAt: new Date(),
      updatedAt: null,
      terminate: false,
      terminatedAt: null,
      terminatedBy: null,
    };
    subtasks.push(st);
  }
  // One statement for the subtasks and one for their messages, not two a node before any node starts.
  await d.drydockTasks.insertMany(subtasks);
  await d.drydockTasks.addMessages(
    subtasks.map((st) => ({
      taskId: task.taskId,
      message: `Started subtask ${st.taskId} for action ${st.action}`,
      error: false,
      contextType: 'task',
      context: task.taskId,
      extra: {},
    })),
  );
  let next = 0;
  const worker = async () => {
    while (next < subtasks.length && !ctx.signal.aborted) {
      const st = subtasks[next];
      const node = nodes[next++];
      st.status = 'running';
      await d.drydockTasks.save(st);
      let outcome: NodeOutcome;
      try {
        outcome = await stage.step(node.name, async (step) => {
          const o = await action({
            node,
            site,
            designId: task.designId!,
            designRef: task.designRef,
            subtaskId: st.taskId,
            directorTaskId: ctx.task.id,
            signal: ctx.signal,
          });
          if (!o.ok)
            await step.fail(
              o.messages
                .filter((m) => m.error)
                .map((m) => m.message)
                .join('; ') || 'failed',
            );
          return o;
        });
      } catch (err) {
        if (ctx.signal.aborted) break;
        outcome = { ok: false, messages: [{ message: `Node ${node.name}: ${(err as Error).message}`, error: true }] };
      }
      await d.drydockTasks.addMessages(
        outcome.messages.map((m) => ({
          taskId: st.taskId,
          message: m.message,
          error: m.error,
          contextType: 'node',
          context: node.name,
          extra: {},
        })),
      );
      if (outcome.ok) succeed(st.result, node.name);
      else fail(st.result, node.name);
      st.status = 'complete';
      await d.drydockTasks.save(st);
    }
  };
  try {
    await Promise.all(Array.from({ length: Math.min(d.width, subtasks.length) }, worker));
  } finally {
    await pickup.close();
  }
  alignWithSubtasks(
    task.result,
    subtasks.filter((s) => s.status === 'complete').map((s) => s.result),
  );
}

async function verifySite(
  d: DrydockOperationDeps,
  task: DrydockTask,
  site: EffectiveSite,
  ctx: TaskContext,
  note: (m: string, e?: boolean) => Promise<void>,
): Promise<void> {
  const images = [...new Set(site.nodes.map((n) => n.image!))];
  const stage = ctx.beginStage('Verifying site', images.length + 1);
  await stage.step('Docker engine', async () => {
    await d.containers.docker.ping();
  });
  await note('Docker engine reachable');
  for (const image of images) {
    const present = await stage.step(`image ${image}`, async () => d.containers.imagePresent(image));
    await note(present ? `Image ${image} present` : `Image ${image} is not on the engine`, !present);
    if (present) succeed(task.result, image);
    else fail(task.result, image);
  }
  if (!images.length) succeed(task.result);
}

async function prepareSite(
  d: DrydockOperationDeps,
  task: DrydockTask,
  site: EffectiveSite,
  ctx: TaskContext,
  note: (m: string, e?: boolean) => Promise<void>,
): Promise<void> {
  const stage = ctx.beginStage('Preparing site networks', site.design.networks.length);
  for (const net of site.design.networks) {
    const name = `bosun-drydock-${net.name}`;
    await stage.step(name, async () => {
      const existing = await d.containers.docker.listNetworks({ filters: { name: [name] } });
      if (existing.some((n) => n.Name === name)) {
        await note(`Network ${net.name}: ${name} already exists`);
      } else {
        // Internal: nodes on it reach each other, not the outside (nodes have no network unless given one).
        await d.containers.docker.createNetwork({
          Name: name,
          Internal: true,
          Labels: { 'bosun.drydock.network': net.name, 'bosun.drydock.design': task.designId ?? '' },
        });
        await note(`Network ${net.name}: ${name} created`);
      }
    });
    succeed(task.result, net.name);
  }
  if (!site.design.networks.length) succeed(task.result);
}
