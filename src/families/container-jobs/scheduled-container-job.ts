import type { ScheduledOperation } from '../family';
import type { ContainerJobsRepo } from './container-jobs-repo';
import {
  containerJobRequestProblem,
  ContainerJobRequestWithContent,
  plannedContainerJob,
} from './enqueue-container-job';
import { admissionProblems, ContainerJobAdmission } from './container-job-admission';
import { containerJobRequestSchema } from './container-job-request';
import { z } from 'zod';

/** A scheduled job keeps its `content` in its config: at most 1 MiB of base64. */
const scheduledJobSchema = containerJobRequestSchema.extend({
  content: z
    .string()
    .max(1024 * 1024)
    .optional(),
});

/** `container_job` for the scheduler: the GoStint job body; each run is a container job like any other. */
export function scheduledContainerJob(jobs: ContainerJobsRepo, admission: ContainerJobAdmission): ScheduledOperation {
  return {
    name: 'container_job',
    params: scheduledJobSchema.superRefine((req, ctx) => {
      const problem = containerJobRequestProblem(req);
      if (problem) ctx.addIssue({ code: 'custom', message: problem });
      for (const refused of admissionProblems(req, admission)) ctx.addIssue({ code: 'custom', message: refused });
    }),
    plan: (params: ContainerJobRequestWithContent, run) =>
      plannedContainerJob(jobs, params, run.username, run.pinnedNodeId),
  };
}
