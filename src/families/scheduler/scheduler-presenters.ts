import type { JobConfig } from './job-config';
import type { JobRun } from './job-runs-repo';

const iso = (d: Date | null) => (d ? d.toISOString() : null);

/** The seed's job configuration object, plus bosun's `next_run_at` (UTC), `time_zone`, `misfire` and `allow_overlap`. */
export function presentConfig(c: JobConfig) {
  return {
    id: c.id,
    uri: `bosun:scheduler:job_configs:${c.id}`,
    createdAt: c.createdAt.toISOString(),
    updatedAt: c.updatedAt.toISOString(),
    name: c.name,
    description: c.description,
    operation: c.operation,
    run_at: c.runAt,
    time_zone: c.timeZone,
    run_on: c.runOn,
    start_date: iso(c.startDate),
    end_date: iso(c.endDate),
    disabled: c.disabled,
    misfire: c.misfire,
    allow_overlap: c.allowOverlap,
    job_config_params: c.params,
    next_run_at: iso(c.nextRunAt),
  };
}

/** The seed's job run object; `details` carries the task's id and result (or why the run has no task). */
export function presentRun(r: JobRun) {
  return {
    id: r.id,
    uri: `bosun:scheduler:jobs:${r.id}`,
    createdAt: r.createdAt.toISOString(),
    updatedAt: r.updatedAt.toISOString(),
    name: r.name,
    job_config_id: r.configId,
    description: r.description,
    operation: r.operation,
    job_config_params: r.params,
    enqueued_at: r.createdAt.toISOString(),
    fire_at: iso(r.fireAt),
    trigger: r.trigger,
    status: r.status,
    processing_node: r.processingNode,
    details: {
      job_id: r.id,
      job_config_id: r.configId,
      name: r.name,
      operation: r.operation,
      status: r.status,
      task_id: r.taskId,
      details: r.error ?? r.result,
    },
  };
}
