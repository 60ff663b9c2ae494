import { LABELS } from '../../docker/labels';
import type { NodeContainers } from './node-containers';
import type { NodesRepo } from './nodes-repo';

/**
 * At start: removes this bosun node's node containers that no provisioned node claims and whose task is
 * no longer running here (a prepare interrupted between creating the container and recording the node,
 * or a node recreated under the same name by a task that died). A node on record keeps its container,
 * whatever became of the task that made it: nodes outlive tasks, as a BOSH VM does.
 */
export async function removeLeftoverNodes(
  containers: NodeContainers,
  nodes: NodesRepo,
  isRunning: (taskId: number) => Promise<boolean>,
): Promise<string[]> {
  const claimed = new Set((await nodes.list()).map((n) => n.containerId).filter((id): id is string => id !== null));
  const removed: string[] = [];
  for (const c of await containers.listOwn()) {
    if (claimed.has(c.Id)) continue;
    const taskId = Number(c.Labels[LABELS.taskId]);
    if (Number.isInteger(taskId) && (await isRunning(taskId))) continue;
    await containers.removeById(c.Id);
    removed.push(c.Id);
  }
  return removed;
}
