import { z } from 'zod';
import { defineOperation } from '../../../runner/operation';
import { taskKind } from '../../../tasks/task-kind';
import type { EventRecorder } from '../events/event-recorder';
import { instanceLabel } from '../instances/instance-updater';
import type { InstanceContainers } from '../instances/instance-containers';
import type { InstancesRepo } from '../instances/instances-repo';
import type { DeploymentsRepo } from './deployments-repo';

export const DELETE_DEPLOYMENT_TYPE = 'delete_deployment';
export const deleteDeploymentTask = taskKind(DELETE_DEPLOYMENT_TYPE, z.object({ force: z.boolean().default(false) }));

/**
 * `bosh delete-deployment`: every instance's container, then any container still labelled with the
 * deployment (left by a crash), then the deployment. With `force`, failures to delete a container are
 * logged and skipped.
 */
export function deleteDeployment(
  deployments: DeploymentsRepo,
  instances: InstancesRepo,
  containers: InstanceContainers,
  events: EventRecorder,
) {
  return defineOperation({
    ...deleteDeploymentTask,
    async run(p, ctx) {
      const name = ctx.task.deploymentName!;
      const started = await events.record({
        action: 'delete',
        objectType: 'deployment',
        objectName: name,
        task: ctx.task,
      });
      try {
        const all = await instances.ofDeployment(name);
        if (all.length) {
          const stage = ctx.beginStage('Deleting instances', all.length);
          for (const inst of all) {
            await stage.step(instanceLabel(inst), async () => {
              try {
                if (inst.containerId) await containers.remove(inst.containerId);
              } catch (err) {
                if (!p.force) throw err;
                await ctx.debug(`Ignoring failure to delete ${instanceLabel(inst)}: ${(err as Error).message}`, 'WARN');
              }
              await instances.delete(inst.id);
              await events.record({
                action: 'delete',
                objectType: 'instance',
                objectName: `${inst.group}/${inst.id}`,
                task: ctx.task,
                instance: `${inst.group}/${inst.id}`,
              });
            });
          }
        }
        await ctx.beginStage('Removing deployment artifacts', 1).step('Detaching stemcells and releases', async () => {
          for (const c of await containers.list(name)) await containers.remove(c.Id);
        });
        await ctx.beginStage('Deleting properties', 1).step('Destroying deployment', () => deployments.delete(name));
        await events.record({
          action: 'delete',
          objectType: 'deployment',
          objectName: name,
          task: ctx.task,
          parent: started,
        });
        return `/deployments/${name}`;
      } catch (err) {
        await events.record({
          action: 'delete',
          objectType: 'deployment',
          objectName: name,
          task: ctx.task,
          parent: started,
          error: (err as Error).message,
        });
        throw err;
      }
    },
  });
}
