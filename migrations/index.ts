import type { Knex } from 'knex';
import * as createSettings from './20261124000001_create_settings';
import * as createTasks from './20261124000002_create_tasks';
import * as createTaskLogs from './20261124000003_create_task_logs';
import * as createSecrets from './20261124000004_create_secrets';
import * as createContainerJobs from './20261124000005_create_container_jobs';
import * as createDirectorWorkloads from './20261129000006_create_director_workloads';
import * as createTaskFunctions from './20261129000007_create_task_functions';
import * as createNodes from './20261202000008_create_nodes';
import * as createRefreshTokens from './20261202000010_create_refresh_tokens';
import * as createSchedulerJobConfigs from './20261202000011_create_scheduler_job_configs';
import * as createSchedulerRuns from './20261202000012_create_scheduler_runs';
import * as pinTasksToNodes from './20261202000013_pin_tasks_to_nodes';
import * as createSyncTasks from './20261203000020_create_sync_tasks';
import * as createSyncRuns from './20261203000021_create_sync_runs';
import * as createSyncTaskStates from './20261203000022_create_sync_task_states';
import * as createSyncModules from './20261203000023_create_sync_modules';
import * as createDrydock from './20261203000030_create_drydock';
import * as notifyTaskLogAppends from './20261204000040_notify_task_log_appends';
import * as createDrydockReportLines from './20261204000041_create_drydock_report_lines';
import * as createConfigs from './20261204000050_create_configs';
import * as createDeploymentsConfigs from './20261204000051_create_deployments_configs';
import * as createCloudCheck from './20261205000050_create_cloud_check';

export interface Migration {
  up(knex: Knex): Promise<void>;
  down(knex: Knex): Promise<void>;
}

/** Every migration, oldest first. Never edit one that has shipped: add a new file. */
export const MIGRATIONS: Array<[string, Migration]> = [
  ['20261124000001_create_settings', createSettings],
  ['20261124000002_create_tasks', createTasks],
  ['20261124000003_create_task_logs', createTaskLogs],
  ['20261124000004_create_secrets', createSecrets],
  ['20261124000005_create_container_jobs', createContainerJobs],
  ['20261129000006_create_director_workloads', createDirectorWorkloads],
  ['20261129000007_create_task_functions', createTaskFunctions],
  ['20261202000008_create_nodes', createNodes],
  ['20261202000010_create_refresh_tokens', createRefreshTokens],
  ['20261202000011_create_scheduler_job_configs', createSchedulerJobConfigs],
  ['20261202000012_create_scheduler_runs', createSchedulerRuns],
  ['20261202000013_pin_tasks_to_nodes', pinTasksToNodes],
  ['20261203000020_create_sync_tasks', createSyncTasks],
  ['20261203000021_create_sync_runs', createSyncRuns],
  ['20261203000022_create_sync_task_states', createSyncTaskStates],
  ['20261203000023_create_sync_modules', createSyncModules],
  ['20261203000030_create_drydock', createDrydock],
  ['20261204000040_notify_task_log_appends', notifyTaskLogAppends],
  ['20261204000041_create_drydock_report_lines', createDrydockReportLines],
  ['20261204000050_create_configs', createConfigs],
  ['20261204000051_create_deployments_configs', createDeploymentsConfigs],
  ['20261205000050_create_cloud_check', createCloudCheck],
];
