/**
 * The labels on every container bosun creates, one vocabulary for all: `bosun.managed` and the node on
 * each; the task on a task's own containers (jobs, package compilation), which go when their task is no
 * longer running; the deployment and instance on an instance's VM, which lives as long as its instance.
 */
export const LABELS = {
  managed: 'bosun.managed',
  nodeId: 'bosun.node-id',
  taskId: 'bosun.task-id',
  deployment: 'bosun.deployment',
  instanceId: 'bosun.instance-id',
  group: 'bosun.instance-group',
  index: 'bosun.instance-index',
  /**
   * On a container meant to outlive the task that made it (a provisioned node): the family that decides,
   * at start, which of these are still wanted. The task clean-up leaves such containers to it.
   */
  keptBy: 'bosun.kept-by',
} as const;

/** The labels of a task's own container. */
export function containerLabels(taskId: number, nodeId: string): Record<string, string> {
  return { [LABELS.managed]: 'true', [LABELS.taskId]: String(taskId), [LABELS.nodeId]: nodeId };
}

/** The labels of an instance's VM. */
export function instanceLabels(i: {
  deployment: string;
  instanceId: string;
  group: string;
  index: number;
  nodeId: string;
}): Record<string, string> {
  return {
    [LABELS.managed]: 'true',
    [LABELS.deployment]: i.deployment,
    [LABELS.instanceId]: i.instanceId,
    [LABELS.group]: i.group,
    [LABELS.index]: String(i.index),
    [LABELS.nodeId]: i.nodeId,
  };
}
