import type { DockerEngine } from '../../docker/docker-engine';
import { Readable } from 'node:stream';
import { ContainerSecurity, limitsFor } from '../../docker/container-limits';
import type { BlobStore } from '../../blobs/blob-store';
import { runContainer } from '../../docker/container-runner';
import type { Overlay } from '../../docker/overlay';
import { pullImage } from '../../docker/images';
import { OutputRedactor } from '../../docker/output-redactor';
import { tarFiles } from '../../docker/tar-files';
import { defineOperation } from '../../runner/operation';
import { taskKind } from '../../tasks/task-kind';
import type { TaskContext } from '../../runner/task-context';
import type { ContainerJobsRepo } from './container-jobs-repo';
import type { ContainerJobAdmission } from './container-job-admission';
import { decodeContent, containerJobParamsSchema, ContainerJobParams } from './container-job-request';
import type { SecretResolver } from '../../secrets/secret-resolver';
import { resolveSecrets, secretsFile } from './secrets-file';

export const CONTAINER_JOB_TYPE = 'container_job';
export const containerJobTask = taskKind(CONTAINER_JOB_TYPE, containerJobParamsSchema);

export interface ContainerJobSettings {
  nodeId: string;
  networkMode: string;
  stopGraceSeconds: number;
  admission: ContainerJobAdmission;
  security: ContainerSecurity;
}

/** Output bytes allowed in flight to the database before the container's stream is paused. */
const MAX_BUFFERED_OUTPUT = 8 * 1024 * 1024;

/**
 * Runs one container job: image, secrets, content overlay, then the container, whose stdout and stderr
 * stream live into the debug log and into the task's `stdout`/`stderr` logs (merged in `stdout` with a
 * tty). The job fails when the container exits non-zero; cancelling the task stops the container.
 */
export function runContainerJob(
  docker: DockerEngine,
  jobs: ContainerJobsRepo,
  blobs: BlobStore,
  secrets: SecretResolver,
  settings: ContainerJobSettings,
) {
  return defineOperation({
    ...containerJobTask,
    async run(params, ctx) {
      try {
        return await runJob(params, ctx);
      } finally {
        // The content is read once, by this run; a task never runs twice.
        if (params.content_blob) await blobs.delete(params.content_blob);
      }
    },
  });

  async function runJob(params: ContainerJobParams, ctx: TaskContext): Promise<string> {
    const stage = ctx.beginStage('Running container job', 3, [params.job_id]);
    // This node's maxima may be lower than those of the node that took the request.
    const limited = limitsFor(settings.admission.defaults, settings.admission.maxima, params.resources);
    if ('problems' in limited)
      throw new Error(`Job refused on node '${settings.nodeId}': ${limited.problems.join('; ')}`);

    const pull = async () => {
      await pullImage(docker, params.container_image, ctx.signal, settings.admission.registries);
      await ctx.debug(`Image ${params.container_image}: pulled`, 'INFO', 'ContainerJob');
    };
    await stage.step(`Preparing image ${params.container_image}`, async () => {
      // IfNotPresent: the engine's own image is used, and pulled only if creating the container finds it missing.
      if (params.image_pull_policy === 'Always') await pull();
      else
        await ctx.debug(
          `Image ${params.container_image}: used as present on the engine, pulled if missing`,
          'INFO',
          'ContainerJob',
        );
    });
    ctx.checkpoint();

    const overlays: Overlay[] = [];
    await stage.step('Preparing content and secrets', async () => {
      // Streamed out of the database part by part as the engine reads it.
      if (params.content_blob) {
        const blob = params.content_blob;
        overlays.push(() => Readable.from(blobs.read(blob)));
      } else if (params.content) {
        const decoded = decodeContent(params.content);
        if ('problem' in decoded) throw new Error(decoded.problem);
        overlays.push(decoded.archive);
      }
      const refs = params.secret_refs ?? [];
      if (!refs.length) return;
      const { values, missing } = await resolveSecrets(secrets.readingFor(ctx.redactor), refs);
      if (missing.length) {
        const text = `Secrets not resolved: ${missing.join('; ')}`;
        if (!params.cont_on_warnings) throw new Error(text);
        await ctx.events.warning(text);
      }
      overlays.push(await tarFiles([secretsFile(values, params.secret_file_type)]));
      await ctx.debug(
        `Writing ${Object.keys(values).length} secret(s) to /secrets.${params.secret_file_type === 'json' ? 'json' : 'yml'}`,
        'INFO',
        'ContainerJob',
      );
    });
    ctx.checkpoint();

    const outcome = await stage.step(`Running ${params.container_image}`, async () =>
      runContainer(
        docker,
        {
          image: params.container_image,
          entrypoint: params.entrypoint,
          cmd: params.run,
          workingDir: params.working_directory,
          env: params.env_vars,
          tty: params.tty,
          taskId: ctx.task.id,
          nodeId: settings.nodeId,
          networkMode: settings.networkMode,
          policy: { limits: limited.limits, security: settings.security },
          overlays,
          pullIfMissing: params.image_pull_policy === 'IfNotPresent' ? pull : undefined,
        },
        outputHooks(ctx, jobs),
        ctx.signal,
        settings.stopGraceSeconds,
      ),
    );
    await jobs.recordExit(ctx.task.id, outcome.exitCode);
    await ctx.result({ return_code: outcome.exitCode, container_id: outcome.containerId });
    await ctx.debug(
      `Container ${outcome.containerId.slice(0, 12)} exited with code ${outcome.exitCode}`,
      'INFO',
      'ContainerJob',
    );
    ctx.checkpoint();
    if (outcome.exitCode !== 0) throw new Error(`Container exited with code ${outcome.exitCode}`);
    return 'Container exited with code 0';
  }
}

/** Streams the container's output into the logs, redacting secrets, with bounded memory. */
function outputHooks(ctx: TaskContext, jobs: ContainerJobsRepo) {
  const redactors = { stdout: new OutputRedactor(ctx.redactor), stderr: new OutputRedactor(ctx.redactor) };
  let buffered = 0;
  let failure: Error | null = null;
  let last: Promise<void> = Promise.resolve();
  const write = (stream: 'stdout' | 'stderr', data: Buffer) => {
    if (failure) throw failure;
    if (!data.length) return;
    buffered += data.length;
    const size = data.length;
    last = Promise.all([ctx.debugRaw(data), ctx.writeLog(stream, data)]).then(
      () => {
        buffered -= size;
      },
      (err: Error) => {
        failure ??= err;
      },
    );
  };
  return {
    created: (containerId: string) => jobs.recordContainer(ctx.task.id, containerId),
    async output(piece: { stream: 'stdout' | 'stderr'; data: Buffer }) {
      write(piece.stream, redactors[piece.stream].push(piece.data));
      // Writes are stored in order, so once the newest is stored every earlier one is too.
      if (buffered > MAX_BUFFERED_OUTPUT) await last;
    },
    async ended() {
      write('stdout', redactors.stdout.end());
      write('stderr', redactors.stderr.end());
      await last;
      if (failure) throw failure;
    },
  };
}

export type { ContainerJobParams };
