import crypto from 'node:crypto';
import type { Knex } from 'knex';
import type { Task } from '../../tasks/task';
import type { TaskService } from '../../tasks/task-service';
import type { ContainerJobsRepo } from './container-jobs-repo';
import { decodeContent, JobRequest, VAULT_FIELDS } from './container-job-request';

/** A job request with `content` inline: what a scheduled job config holds (the job API streams it to a blob). */
export type JobRequestWithContent = JobRequest & { content?: string };
import { CONTAINER_JOB_TYPE } from './run-container-job';

/** Why a job request that matches the schema still cannot run, or null when it can. */
export function jobRequestProblem(req: JobRequestWithContent): string | null {
  const vault = VAULT_FIELDS.filter((f) => req[f] !== undefined);
  if (vault.length) return `${vault.join(', ')} need HashiCorp Vault, and no Vault is configured; use secret_refs with bosun's secret store`;
  if (req.content !== undefined) {
    const decoded = decodeContent(req.content);
    if ('problem' in decoded) return decoded.problem;
  }
  return null;
}

/**
 * Queues a container job's task with its job row, in one transaction.
 */
export async function enqueueContainerJob(
  tasks: TaskService,
  jobs: ContainerJobsRepo,
  req: JobRequestWithContent,
  username: string,
  opts: {
    /** `content` already stored as a blob while the request arrived (the job API streams it). */
    contentBlob?: string | null;
    /** A caller's own rows, stored in the same transaction (the scheduler's run). */
    withRows?: (trx: Knex.Transaction, task: Task) => Promise<void>;
  } = {},
): Promise<{ task: Task; jobId: string }> {
  const jobId = crypto.randomUUID();
  const qname = req.qname ?? null;
  const task = await tasks.enqueue(
    {
      type: CONTAINER_JOB_TYPE,
      description: `run container job ${jobId} (${req.container_image})`,
      username,
      queueName: qname ? `job:${qname}` : null,
      params: {
        job_id: jobId,
        container_image: req.container_image,
        image_pull_policy: req.image_pull_policy,
        content: opts.contentBlob ? undefined : req.content,
        content_blob: opts.contentBlob ?? undefined,
        entrypoint: req.entrypoint,
        run: req.run,
        working_directory: req.working_directory,
        env_vars: req.env_vars,
        tty: req.tty,
        secret_refs: req.secret_refs,
        secret_file_type: req.secret_file_type,
        cont_on_warnings: req.cont_on_warnings,
        resources: req.resources,
      },
    },
    async (trx, t) => {
      await jobs.insert(trx, { id: jobId, taskId: t.id, qname, image: req.container_image, tty: req.tty });
      await opts.withRows?.(trx, t);
    },
  );
  return { task, jobId };
}
