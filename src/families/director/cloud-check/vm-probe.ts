import type { InstanceContainers } from '../instances/instance-containers';
import type { Instance } from '../instances/instances-repo';

export type VmCondition = 'ok' | 'missing' | 'unresponsive';

/**
 * What a scan decides of an instance's VM on Docker, where the container is the VM and its PID 1 the
 * agent:
 * - missing: the instance has no container, or its container is gone from the engine;
 * - unresponsive: the container is there but its agent cannot answer: not running (exited, dead,
 *   restarting, created) or paused. An instance the operator stopped (`bosh stop`) has its container
 *   stopped on purpose: that is not a problem;
 * - ok: the container runs.
 */
export async function probeVm(containers: InstanceContainers, inst: Instance): Promise<VmCondition> {
  if (!inst.containerId) return 'missing';
  let state: { Running?: boolean; Paused?: boolean; Restarting?: boolean };
  try {
    state = (await containers.get(inst.containerId).inspect()).State;
  } catch (err) {
    if ((err as { statusCode?: number }).statusCode === 404) return 'missing';
    throw err;
  }
  if (state.Running && !state.Paused && !state.Restarting) return 'ok';
  if (inst.state === 'stopped' && !state.Running) return 'ok';
  return 'unresponsive';
}
