import type { SyncModule } from './sync-modules-repo';
import type { SyncRun } from './sync-runs-repo';
import { SyncTaskConfig, UPLOADED_MODULE_PREFIX } from './sync-task';

/** CTS's task object, keys in the order its API writes them. */
export function presentTask(t: SyncTaskConfig): Record<string, unknown> {
  return {
    buffer_period: t.buffer_period,
    condition: t.condition,
    description: t.description,
    enabled: t.enabled,
    module: t.module,
    module_input: t.module_input,
    name: t.name,
    providers: t.providers,
    variables: t.variables,
    version: t.version,
  };
}

export type TaskStatus = 'successful' | 'errored' | 'critical' | 'unknown';

/**
 * CTS's status rule over a task's newest events: `successful` when the newest ended run succeeded,
 * `errored` when it failed and no other kept run failed, `critical` when another failed too, `unknown`
 * when none has ended.
 */
export function statusOf(runs: SyncRun[]): TaskStatus {
  const ended = runs.filter((r) => r.success !== null);
  if (!ended.length) return 'unknown';
  if (ended[0].success) return 'successful';
  return ended.slice(1).some((r) => r.success === false) ? 'critical' : 'errored';
}

/** A run as CTS's event (with bosun's Director task id, where its logs are). */
export function presentEvent(r: SyncRun): Record<string, unknown> {
  return {
    id: String(r.id),
    success: r.success,
    start_time: r.startedAt?.toISOString() ?? null,
    end_time: r.endedAt?.toISOString() ?? null,
    task_name: r.syncTask,
    error: r.error === null ? null : { message: r.error },
    trigger: r.trigger,
    task_id: r.taskId,
  };
}

export function presentTaskStatus(
  t: SyncTaskConfig,
  runs: SyncRun[],
  services: string[],
  includeEvents: boolean,
): Record<string, unknown> {
  const out: Record<string, unknown> = {
    task_name: t.name,
    status: statusOf(runs),
    enabled: t.enabled,
    providers: t.providers,
    services,
    events_url: `/v1/status/tasks/${encodeURIComponent(t.name)}?include=events`,
  };
  if (includeEvents) out.events = runs.map(presentEvent);
  return out;
}

export function presentModule(m: SyncModule): Record<string, unknown> {
  return {
    name: m.name,
    version: m.version,
    module: `${UPLOADED_MODULE_PREFIX}${m.name}`,
    sha256: m.sha256,
    size: m.size,
    files: m.files,
    created_by: m.createdBy,
    created_at: m.createdAt.toISOString(),
  };
}
