import type { DockerEngine } from './docker-engine';
import { LABELS } from './labels';

/**
 * Removes this node's task containers whose tasks it is no longer running (left behind by a crash).
 * Instance VMs carry no task id: they outlive the task that created them. Containers kept by a family
 * (`bosun.kept-by`) outlive their tasks by design: that family reaps its own.
 * `isRunning` says whether a task id is running here now.
 */
export async function removeOrphanContainers(
  docker: DockerEngine,
  nodeId: string,
  isRunning: (taskId: number) => Promise<boolean>,
): Promise<string[]> {
  const containers = await docker.listContainers({
    all: true,
    filters: { label: [`${LABELS.managed}=true`, `${LABELS.nodeId}=${nodeId}`, LABELS.taskId] },
  });
  const removed: string[] = [];
  for (const c of containers) {
    if (c.Labels[LABELS.keptBy]) continue;
    const taskId = Number(c.Labels[LABELS.taskId]);
    if (Number.isInteger(taskId) && (await isRunning(taskId))) continue;
    await docker
      .getContainer(c.Id)
      .remove({ force: true, v: true })
      .catch(() => undefined);
    removed.push(c.Id);
  }
  return removed;
}
