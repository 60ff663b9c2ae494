import type { Task } from '../../tasks/task';

const epoch = (d: Date | null) => (d ? Math.floor(d.getTime() / 1000) : null);

/** The Director's 9-key task hash; `timestamp` is null until the task is past queued and processing. */
export function presentTask(t: Task) {
  return {
    id: t.id,
    state: t.state,
    description: t.description,
    timestamp: t.state === 'queued' || t.state === 'processing' ? null : epoch(t.timestamp),
    started_at: epoch(t.startedAt),
    result: t.result,
    user: t.username ?? 'admin',
    deployment: t.deploymentName,
    context_id: t.contextId,
  };
}
