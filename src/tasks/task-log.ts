/**
 * The logs a task keeps. `event` is NDJSON progress, `debug` the Director-format debug log, `result` the
 * payload, `cpi` the Director's CPI log; `stdout` and `stderr` hold a container's two streams apart.
 */
export const TASK_LOGS = ['event', 'debug', 'result', 'cpi', 'stdout', 'stderr'] as const;
export type TaskLogName = (typeof TASK_LOGS)[number];

export function isTaskLogName(s: string): s is TaskLogName {
  return (TASK_LOGS as readonly string[]).includes(s);
}
