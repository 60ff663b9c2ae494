import { z } from 'zod';
import { defineOperation } from '../../../runner/operation';
import { taskKind } from '../../../tasks/task-kind';
import type { EventRecorder } from '../events/event-recorder';
import type { InstanceContainers } from '../instances/instance-containers';
import { instanceLabel, InstanceUpdater } from '../instances/instance-updater';
import type { Instance, InstancesRepo } from '../instances/instances-repo';
import { watchWindow } from './deployment-manifest';
import type { DeploymentsRepo } from './deployments-repo';
import { parseManifestDocument } from './deployment-manifest';

export const CHANGE_STATE_TYPE = 'update_instance';

export const INSTANCE_STATES = ['started', 'stopped', 'restart', 'recreate', 'detached'] as const;

const params = z.object({
  state: z.enum(INSTANCE_STATES),
  group: z.string().nullable(),
  index_or_id: z.string().nullable(),
});

export const changeStateTask = taskKind(CHANGE_STATE_TYPE, params);

/** The instances a `PUT /deployments/:d/jobs/:group[/:index_or_id]` names (`*` or no group for all). */
export function selectInstances(all: Instance[], group: string | null, indexOrId: string | null): Instance[] {
  return all.filter(
    (i) =>
      (group === null || group === '*' || i.group === group) &&
      (indexOrId === null || String(i.index) === indexOrId || i.id === indexOrId),
  );
}

/**
 * `bosh start|stop|restart|recreate`: stopping stops the container (its processes with it), starting
 * starts it and watches its processes, recreating makes a new container from the instance's last
 * rendered state, restarting is a stop then a start.
 */
export function changeInstanceState(
  deployments: DeploymentsRepo,
  instances: InstancesRepo,
  containers: InstanceContainers,
  updater: InstanceUpdater,
  events: EventRecorder,
) {
  return defineOperation({
    ...changeStateTask,
    async run(p, ctx) {
      const name = ctx.task.deploymentName!;
      const deployment = await deployments.find(name);
      const chosen = selectInstances(await instances.ofDeployment(name), p.group, p.index_or_id);
      if (!chosen.length)
        throw new Error(
          `No instances match '${p.group ?? '*'}${p.index_or_id ? `/${p.index_or_id}` : ''}' in deployment '${name}'`,
        );
      const doc = deployment?.manifest ? parseManifestDocument(deployment.manifest) : {};
      const update = (doc.update ?? {}) as { canary_watch_time?: number | string };
      const window = watchWindow(update.canary_watch_time, [1000, 30000]);
      const verb = {
        started: 'Starting',
        stopped: 'Stopping',
        restart: 'Restarting',
        recreate: 'Recreating',
        detached: 'Stopping',
      }[p.state];
      const stage = ctx.beginStage(`Updating instance`, chosen.length, [...new Set(chosen.map((i) => i.group))]);
      for (const inst of chosen) {
        await stage.step(`${instanceLabel(inst)}`, async (step) => {
          ctx.checkpoint();
          await step.progress(10, verb.toLowerCase());
          if (!inst.containerId) throw new Error(`${instanceLabel(inst)} has no VM; deploy first`);
          if (p.state === 'stopped' || p.state === 'detached' || p.state === 'restart') {
            await containers.stop(inst.containerId);
            await instances.update(inst.id, { state: 'stopped' });
            inst.state = 'stopped';
          }
          if (p.state === 'recreate') {
            const fresh = await containers.recreate(inst.containerId);
            await instances.update(inst.id, { containerId: fresh, vmCreatedAt: new Date() });
            inst.containerId = fresh;
          }
          if (p.state === 'started' || p.state === 'restart' || p.state === 'recreate') {
            await instances.update(inst.id, { state: 'started' });
            inst.state = 'started';
            await updater.startAndWatch(inst, window, ctx.signal);
          }
          const action = {
            started: 'start',
            stopped: 'stop',
            restart: 'restart',
            recreate: 'recreate',
            detached: 'stop',
          }[p.state];
          await events.record({
            action,
            objectType: 'instance',
            objectName: `${inst.group}/${inst.id}`,
            task: ctx.task,
            instance: `${inst.group}/${inst.id}`,
          });
        });
      }
      return `/deployments/${name}`;
    },
  });
}
