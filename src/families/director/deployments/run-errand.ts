import crypto from 'node:crypto';
import type { EngineContainer } from '../../../docker/docker-engine';
import { z } from 'zod';
import { defineOperation } from '../../../runner/operation';
import { taskKind } from '../../../tasks/task-kind';
import type { TaskContext } from '../../../runner/task-context';
import { execInContainer, ExecOutcome } from '../../../docker/exec-in-container';
import { tarFiles } from '../../../docker/tar-files';
import type { BlobStore } from '../../../blobs/blob-store';
import type { EventRecorder } from '../events/event-recorder';
import type { InstanceContainers } from '../instances/instance-containers';
import type { InstancesRepo } from '../instances/instances-repo';
import type { PackageCompiler } from '../packages/package-compiler';
import type { TemplateRenderer } from '../templates/instance-templates';
import { parseManifestDocument } from './deployment-manifest';
import type { DeploymentsRepo } from './deployments-repo';
import { compileGroupPackages, renderGroupInstance } from './group-materials';
import { resolveManifest, ResolveDeps } from './resolve-manifest';

export const RUN_ERRAND_TYPE = 'run_errand';
export const runErrandTask = taskKind(
  RUN_ERRAND_TYPE,
  z.object({ errand: z.string(), keep_alive: z.boolean().default(false), instances: z.array(z.string()).default([]) }),
);

/** Output kept per stream in the errand's result (the CLI prints it whole). */
const MAX_OUTPUT = 1024 * 1024;

export interface ErrandDeps extends ResolveDeps {
  deployments: DeploymentsRepo;
  instances: InstancesRepo;
  containers: InstanceContainers;
  compiler: PackageCompiler;
  renderer: TemplateRenderer;
  blobs: BlobStore;
  events: EventRecorder;
  nodeId: string;
  networkMode: string;
}

/** The errands of a deployed manifest: instance groups with `lifecycle: errand`, and jobs with a `bin/run`. */
export function errandNames(manifestText: string): string[] {
  const doc = parseManifestDocument(manifestText) as { instance_groups?: Array<{ name?: string; lifecycle?: string }> };
  return (doc.instance_groups ?? [])
    .filter((g) => g.lifecycle === 'errand' && typeof g.name === 'string')
    .map((g) => g.name!);
}

/**
 * `bosh run-errand`: an errand instance group runs in a fresh container of its stemcell with its
 * packages and rendered jobs, each job's `bin/run` in turn; a job colocated on service instances runs
 * in each of their containers. The result log has one line per run with exit code, stdout and stderr;
 * a non-zero exit is the errand's outcome, not the task's failure (as with the Director).
 */
export function runErrand(deps: ErrandDeps) {
  return defineOperation({
    ...runErrandTask,
    async run(p, ctx) {
      const name = ctx.task.deploymentName!;
      const deployment = await deps.deployments.find(name);
      if (!deployment?.manifest) throw new Error(`Deployment '${name}' has not been deployed`);
      const resolved = await ctx
        .beginStage('Preparing deployment', 1)
        .step('Preparing deployment', () => resolveManifest(deployment.manifest!, deps, ctx.redactor));
      const group = resolved.manifest.instance_groups.find((g) => g.name === p.errand && g.lifecycle === 'errand');
      let results: ExecOutcome[];
      if (group) {
        const stemcell = resolved.stemcells.get(group.stemcell)!;
        const packages = await compileGroupPackages(deps.compiler, deps.blobs, ctx, resolved, group);
        const instance = { id: crypto.randomUUID(), index: 0, bootstrap: true };
        const rendered = await renderGroupInstance(
          deps.renderer,
          resolved,
          group,
          packages,
          instance,
          name,
          stemcell.cid,
        );
        const runnable = group.jobs.filter(
          (j) =>
            resolved.jobs.get(`${j.release}/${j.name}`)!.templates &&
            Object.values(resolved.jobs.get(`${j.release}/${j.name}`)!.templates).includes('bin/run'),
        );
        if (!runnable.length) throw new Error(`Errand '${p.errand}' has no job with a bin/run template`);
        const container = await ctx
          .beginStage('Creating missing vms', 1)
          .step(`${group.name}/${instance.id} (0)`, async () => {
            const c = await deps.containers.create({
              deployment: name,
              group: group.name,
              index: 0,
              instanceId: instance.id,
              image: stemcell.cid,
              nodeId: deps.nodeId,
              networkMode: deps.networkMode,
              overlays: [...packages.packages, await tarFiles(rendered.files)],
              cmd: ['/bin/sh', '-c', 'while :; do sleep 3600 & wait $!; done'],
            });
            await c.start();
            return c;
          });
        try {
          results = await ctx.beginStage('Running errand', 1).step(`${group.name}/${instance.id} (0)`, async () => {
            const out: ExecOutcome[] = [];
            for (const j of runnable) out.push(await runIn(ctx, container, j.name));
            return out;
          });
        } finally {
          await ctx
            .beginStage('Deleting errand instances', 1)
            .step(`${group.name}/${instance.id} (0)`, () => deps.containers.remove(container.id));
        }
        for (const r of results) await ctx.result(errandResult(r, group.name, instance.id, p.errand));
      } else {
        const hosts = (await deps.instances.ofDeployment(name)).filter((i) => {
          const g = resolved.manifest.instance_groups.find((x) => x.name === i.group);
          return i.containerId && g?.jobs.some((j) => j.name === p.errand);
        });
        if (!hosts.length) throw new Error(`Errand '${p.errand}' doesn't exist in deployment '${name}'`);
        const stage = ctx.beginStage('Running errand', hosts.length);
        for (const inst of hosts) {
          const r = await stage.step(`${inst.group}/${inst.id} (${inst.index})`, () =>
            runIn(ctx, deps.containers.get(inst.containerId!), p.errand),
          );
          await ctx.result(errandResult(r, inst.group, inst.id, p.errand));
        }
      }
      await deps.events.record({
        action: 'run',
        objectType: 'errand',
        objectName: p.errand,
        task: ctx.task,
        context: { exit_codes: [] },
        redactor: ctx.redactor,
      });
      return `Errand '${p.errand}' completed`;
    },
  });
}

async function runIn(ctx: TaskContext, container: EngineContainer, job: string): Promise<ExecOutcome> {
  ctx.checkpoint();
  const r = await execInContainer(container, ['/bin/sh', '-c', `cd /var/vcap/jobs/${job} && exec ./bin/run`]);
  await ctx.debug(`Errand job '${job}' exited with code ${r.exitCode}`);
  return r;
}

function errandResult(r: ExecOutcome, group: string, id: string, errand: string) {
  return {
    exit_code: r.exitCode,
    stdout: r.stdout.slice(-MAX_OUTPUT),
    stderr: r.stderr.slice(-MAX_OUTPUT),
    logs: { blobstore_id: '', sha1: '' },
    instance: { group, id },
    errand_name: errand,
  };
}
