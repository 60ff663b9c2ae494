/** Labels on every container bosun creates, so its own can be found and reaped. */
export const LABELS = {
  managed: 'bosun.managed',
  taskId: 'bosun.task-id',
  nodeId: 'bosun.node-id',
} as const;

export function containerLabels(taskId: number, nodeId: string): Record<string, string> {
  return { [LABELS.managed]: 'true', [LABELS.taskId]: String(taskId), [LABELS.nodeId]: nodeId };
}
