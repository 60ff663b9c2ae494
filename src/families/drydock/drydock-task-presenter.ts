import type { DrydockStatus, StatusMessage, TaskResult } from './drydock-task';
import type { TaskView } from './drydock-tasks-repo';
import { drydockTime, drydockTimeOrNull } from './drydock-time';

/**
 * A task's status as clients should see it: the Director task it runs under has the last word when
 * that task ended without the operation closing the Drydock task (cancelled while queued, timed out
 * with its node).
 */
export function effectiveStatus(t: TaskView): { status: DrydockStatus; result: TaskResult['status'] } {
  if (t.status === 'complete' || t.status === 'terminated') return { status: t.status, result: t.result.status };
  switch (t.directorState) {
    case 'cancelled':
      return { status: 'terminated', result: t.result.status };
    case 'error':
    case 'timeout':
      return { status: 'complete', result: t.result.status === 'incomplete' ? 'failure' : t.result.status };
    case 'done':
      return { status: 'complete', result: t.result.status };
    default:
      return { status: t.status, result: t.result.status };
  }
}

export function presentMessage(m: StatusMessage) {
  return {
    message: m.message,
    error: m.error,
    context_type: m.contextType,
    context: m.context,
    ts: drydockTime(m.ts),
    extra: m.extra,
  };
}

/** Drydock's `Task.to_dict()`, plus the Director task it is (`bosun_task_id`, top-level tasks only). */
export function presentTask(t: TaskView, subtaskIds: string[], messages: StatusMessage[]) {
  const { status, result } = effectiveStatus(t);
  const body: Record<string, unknown> = {
    kind: 'Task',
    apiVersion: 'v1',
    task_id: t.taskId,
    action: t.action,
    parent_task_id: t.parentTaskId,
    design_ref: t.designRef,
    status,
    result: {
      kind: 'Status',
      apiVersion: 'v1.0',
      metadata: {},
      message: t.result.message,
      reason: t.result.reason,
      status: result,
      successes: t.result.successes,
      failures: t.result.failures,
      links: t.result.links,
      details: { errorCount: messages.filter((m) => m.error).length, messageList: messages.map(presentMessage) },
    },
    node_filter: t.nodeFilter,
    subtask_id_list: subtaskIds,
    created: drydockTime(t.createdAt),
    created_by: t.createdBy,
    updated: drydockTimeOrNull(t.updatedAt),
    terminated: drydockTimeOrNull(t.terminatedAt),
    terminated_by: t.terminatedBy,
    terminate: t.terminate,
    retry: t.retry,
  };
  if (t.directorTaskId !== null) body.bosun_task_id = t.directorTaskId;
  return body;
}
