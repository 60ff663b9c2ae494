import crypto from 'node:crypto';
import type { Knex } from 'knex';
import type { z } from 'zod';
import type { Task } from '../../tasks/task';
import type { ScheduledTask } from '../family';
import type { ContainerJobsRepo } from './container-jobs-repo';
import { decodeContent, ContainerJobRequest, VAULT_FIELDS } from './container-job-request';
import { containerJobTask } from './run-container-job';

/** A job request with `content` inline: what a scheduled job config holds (the job API streams it to a blob). */
export type ContainerJobRequestWithContent = ContainerJobRequest & { content?: string };

/** Why a job request that matches the schema still cannot run, or null when it can. */
export function containerJobRequestProblem(req: ContainerJobRequestWithContent): string | null {
  const vault = VAULT_FIELDS.filter((f) => req[f] !== undefined);
  if (vault.length)
    return `${vault.join(', ')} need HashiCorp Vault, and no Vault is configured; use secret_refs with bosun's secret store`;
  if (req.content !== undefined) {
    const decoded = decodeContent(req.content);
    if ('problem' in decoded) return decoded.problem;
  }
  return null;
}

/** What a job request queues: the task's parameters, description and queue, and the job row stored with it. */
export function containerJobPlan(
  jobs: ContainerJobsRepo,
  req: ContainerJobRequestWithContent,
  contentBlob: string | null = null,
) {
  const jobId = crypto.randomUUID();
  const qname = req.qname ?? null;
  const params: z.input<typeof containerJobTask.params> = {
    job_id: jobId,
    container_image: req.container_image,
    image_pull_policy: req.image_pull_policy,
    content: contentBlob ? undefined : req.content,
    content_blob: contentBlob ?? undefined,
    entrypoint: req.entrypoint,
    run: req.run,
    working_directory: req.working_directory,
    env_vars: req.env_vars,
    tty: req.tty,
    secret_refs: req.secret_refs,
    secret_file_type: req.secret_file_type,
    cont_on_warnings: req.cont_on_warnings,
    resources: req.resources,
  };
  return {
    jobId,
    qname,
    params,
    description: `run container job ${jobId} (${req.container_image})`,
    /** Jobs of one `qname` run one at a time, in order. */
    lock: qname ? `job:${qname}` : null,
    storeJob: (trx: Knex.Transaction, task: Task) =>
      jobs.insert(trx, { id: jobId, taskId: task.id, qname, image: req.container_image, tty: req.tty }),
  };
}

/** A container job's task as the scheduler queues it, with its job row. */
export function plannedContainerJob(
  jobs: ContainerJobsRepo,
  req: ContainerJobRequestWithContent,
  username: string,
  /** The one node that may run it (a scheduled job's `run_on`). */
  pinnedNodeId: string | null = null,
): ScheduledTask {
  const plan = containerJobPlan(jobs, req);
  return {
    task: {
      type: containerJobTask.type,
      description: plan.description,
      username,
      pinnedNodeId,
      queueName: plan.lock,
      params: plan.params,
    },
    withRows: plan.storeJob,
  };
}
