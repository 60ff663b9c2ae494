import type { ContainerJob } from './container-jobs-repo';
import { containerJobStatusOf, killRequested } from './container-job-status';
import { TERMINAL_STATES } from '../../tasks/task';

const iso = (d: Date | null) => (d ? d.toISOString() : null);

/** The job's summary, as POST answers it and the list shows it. */
export function presentContainerJobSummary(job: ContainerJob) {
  const t = job.task;
  return {
    _id: job.id,
    status: containerJobStatusOf(t.state),
    qname: job.qname ?? '',
    container_image: job.containerImage,
    submitted: iso(job.submitted),
    started: iso(t.startedAt),
    ended: TERMINAL_STATES.includes(t.state) ? iso(t.timestamp) : null,
    return_code: job.returnCode,
    container_id: job.containerId ?? '',
    kill_requested: killRequested(t.state),
    tty: job.tty,
    node_uuid: t.nodeId ?? '',
    task_id: t.id,
  };
}

export interface ContainerJobOutput {
  text: string;
  truncated: boolean;
}

/** Every field GoStint returns for one job, with its output (the tail, when it is very large). */
export function presentContainerJob(job: ContainerJob, output: ContainerJobOutput, stderr: ContainerJobOutput) {
  return {
    ...presentContainerJobSummary(job),
    output: output.text,
    stderr: stderr.text,
    output_truncated: output.truncated,
    stderr_truncated: stderr.truncated,
    output_url: `/tasks/${job.taskId}/output?type=stdout`,
    stderr_url: `/tasks/${job.taskId}/output?type=stderr`,
  };
}
