/** Labels on every container bosun creates, so its own can be found and reaped. */
export const LABELS = {
  managed: 'bosun.managed',
  taskId: 'bosun.task-id',
  nodeId: 'bosun.node-id',
  /**
   * On a container meant to outlive the task that made it (a provisioned node): the family that decides,
   * at start, which of these are still wanted. The task clean-up leaves such containers to it.
   */
  keptBy: 'bosun.kept-by',
} as const;

export function containerLabels(taskId: number, nodeId: string): Record<string, string> {
  return { [LABELS.managed]: 'true', [LABELS.taskId]: String(taskId), [LABELS.nodeId]: nodeId };
}
