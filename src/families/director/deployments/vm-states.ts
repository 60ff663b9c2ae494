import { z } from 'zod';
import { defineOperation } from '../../../runner/operation';
import { taskKind } from '../../../tasks/task-kind';
import type { InstanceContainers, ProcessState } from '../instances/instance-containers';
import type { Instance, InstancesRepo } from '../instances/instances-repo';

export const VM_STATES_TYPE = 'vms';
export const vmStatesTask = taskKind(VM_STATES_TYPE, z.object({ kind: z.enum(['vms', 'instances']).default('vms') }));

/** The state the CLI shows for an instance: running, failing, stopped, or unresponsive agent. */
function jobState(inst: Instance, running: boolean, processes: ProcessState[]): string {
  if (!inst.containerId) return 'unresponsive agent';
  if (!running) return 'stopped';
  return processes.every((p) => p.state === 'running') ? 'running' : 'failing';
}

/** `vm_created_at` as the CLI parses it (RFC 3339). */
const iso = (d: Date | null) => (d ? d.toISOString().replace(/\.\d{3}Z$/, 'Z') : '');

/**
 * `bosh vms` / `bosh instances` (format=full): one JSON line per instance in the result log, with
 * its processes' states asked of its container and vitals from Docker's stats.
 */
export function vmStates(instances: InstancesRepo, containers: InstanceContainers) {
  return defineOperation({
    ...vmStatesTask,
    async run(p, ctx) {
      const name = ctx.task.deploymentName!;
      const all = await instances.ofDeployment(name);
      const wanted = p.kind === 'vms' ? all.filter((i) => i.containerId) : all;
      // Docker's one-shot stats take about a second each: ask every container at once.
      const observed = await Promise.all(
        wanted.map(async (inst) => {
          const running = inst.containerId ? await containers.isRunning(inst.containerId) : false;
          const processes = inst.containerId && running ? await containers.processStates(inst.containerId) : [];
          const vitals = inst.containerId ? await containers.vitals(inst.containerId) : {};
          return { inst, running, processes, vitals };
        }),
      );
      ctx.checkpoint();
      for (const { inst, running, processes, vitals } of observed) {
        await ctx.result({
          agent_id: inst.id,
          vm_cid: inst.containerId ? inst.containerId.slice(0, 12) : '',
          active: Boolean(inst.containerId),
          vm_created_at: iso(inst.vmCreatedAt),
          cloud_properties: {},
          disk_cid: null,
          disk_cids: [],
          ips: [],
          dns: [],
          job_name: inst.group,
          index: inst.index,
          job_state: jobState(inst, running, processes),
          state: inst.state,
          vm_type: '',
          vitals,
          processes: processes.map((pr) => ({
            name: pr.name,
            state: pr.state,
            uptime: { secs: 0 },
            mem: { kb: 0, percent: 0 },
            cpu: { total: 0 },
          })),
          resurrection_paused: false,
          az: '',
          id: inst.id,
          bootstrap: inst.bootstrap,
          ignore: inst.ignore,
          expects_vm: true,
          stemcell: inst.stemcell ?? { name: '', version: '', api_version: null },
        });
      }
      return `${wanted.length} ${p.kind === 'vms' ? 'VMs' : 'instances'}`;
    },
  });
}
