/**
 * The migrations of the tables no API family owns: settings, the task core (tasks, their logs, the claim
 * functions, node pinning, the log appends' notifications), the nodes' liveness and the bearer tokens' refresh tokens. Every other
 * migration is listed by the family that owns it (Family.migrations).
 */
export const CORE_MIGRATIONS: readonly string[] = [
  '20261124000001_create_settings',
  '20261124000002_create_tasks',
  '20261124000003_create_task_logs',
  '20261129000007_create_task_functions',
  '20261202000008_create_nodes',
  '20261202000010_create_refresh_tokens',
  '20261202000013_pin_tasks_to_nodes',
  '20261204000040_notify_task_log_appends',
];
