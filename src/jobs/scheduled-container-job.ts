import type { ScheduledOperation } from '../daemon';
import type { TaskService } from '../tasks/task-service';
import type { ContainerJobsRepo } from './container-jobs-repo';
import { enqueueContainerJob, jobRequestProblem } from './enqueue-container-job';
import { JobRequest, jobRequestSchema } from './job-request';

/** `container_job` for the scheduler: the GoStint job body; each run is a container job like any other. */
export function scheduledContainerJob(tasks: TaskService, jobs: ContainerJobsRepo): ScheduledOperation {
  return {
    name: 'container_job',
    params: jobRequestSchema.superRefine((req, ctx) => {
      const problem = jobRequestProblem(req);
      if (problem) ctx.addIssue({ code: 'custom', message: problem });
    }),
    async start(params: JobRequest, username, withRows) {
      return (await enqueueContainerJob(tasks, jobs, params, username, withRows)).task;
    },
  };
}
