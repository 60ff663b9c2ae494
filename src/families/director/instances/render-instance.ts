import crypto from 'node:crypto';
import type { TarFile } from '../../../docker/tar-files';
import type { JobTemplates, TemplateRenderer } from '../templates/instance-templates';
import type { TemplateSpec } from '../templates/render-template';
import type { JobArchive } from '../releases/job-archive';
import { AGENT_PATH, AGENT_SCRIPT, PROCESSES_DIR, PROCESS_STATES_PATH, PROCESS_STATES_SCRIPT } from './agent-script';
import { effectiveProperties } from './job-properties';
import { JobProcess, jobProcesses } from './job-processes';

export interface InstanceJob {
  archive: JobArchive;
  /** The manifest's `properties` for this job (null when it has none). */
  properties: Record<string, unknown> | null;
  release: { name: string; version: string };
}

export interface RenderedInstance {
  files: TarFile[];
  processes: JobProcess[];
  /** Changes whenever anything the instance runs changes: templates, processes, packages, image. */
  configHash: string;
}

/**
 * Everything bosun writes into an instance's container besides its packages: each job's rendered
 * templates under /var/vcap/jobs/<job>/, its process scripts, and the agent. The templates of all the
 * instance's jobs go to the renderer at once; a failure names the group, the job and the template.
 */
export async function renderInstance(
  renderer: TemplateRenderer,
  jobs: InstanceJob[],
  context: {
    groupProperties: Record<string, unknown> | null;
    globalProperties: Record<string, unknown> | null;
    spec: Omit<TemplateSpec, 'job' | 'release'>;
  },
  identity: { packageDigests: string[]; image: string; placement?: string },
): Promise<RenderedInstance> {
  const request: JobTemplates[] = jobs.map((job) => ({
    job: job.archive.name,
    properties: effectiveProperties(job.archive.properties, {
      job: job.properties,
      group: context.groupProperties,
      global: context.globalProperties,
    }),
    spec: { ...context.spec, job: { name: job.archive.name }, release: job.release },
    templates: [
      ...Object.keys(job.archive.templates).map((src) => ({
        name: src,
        source: job.archive.templateSources.get(src)!,
      })),
      ...(job.archive.monit === null ? [] : [{ name: 'monit', source: job.archive.monit }]),
    ],
  }));
  const texts = await renderer.render({ group: context.spec.name, jobs: request });
  const files: TarFile[] = [];
  const processes: JobProcess[] = [];
  for (const [j, job] of jobs.entries()) {
    const rendered = new Map<string, string>();
    for (const [i, dest] of Object.values(job.archive.templates).entries()) {
      const text = texts[j][i];
      rendered.set(dest, text);
      files.push({
        name: `var/vcap/jobs/${job.archive.name}/${dest}`,
        content: Buffer.from(text),
        mode: dest.startsWith('bin/') ? 0o755 : 0o644,
      });
    }
    const monit = job.archive.monit === null ? null : texts[j][texts[j].length - 1];
    for (const p of jobProcesses(job.archive.name, rendered, monit)) {
      processes.push(p);
      files.push({ name: `${PROCESSES_DIR}/${p.job}/${p.name}.sh`, content: Buffer.from(p.script), mode: 0o755 });
      if (p.pidfile)
        files.push({
          name: `${PROCESSES_DIR}/${p.job}/${p.name}.pidfile`,
          content: Buffer.from(p.pidfile),
          mode: 0o644,
        });
    }
  }
  files.push({ name: AGENT_PATH.slice(1), content: Buffer.from(AGENT_SCRIPT), mode: 0o755 });
  files.push({ name: PROCESS_STATES_PATH.slice(1), content: Buffer.from(PROCESS_STATES_SCRIPT), mode: 0o755 });
  const hash = crypto.createHash('sha256');
  for (const f of [...files].sort((a, b) => a.name.localeCompare(b.name)))
    hash.update(f.name).update('\0').update(f.content).update('\0');
  for (const d of [...identity.packageDigests].sort()) hash.update(d);
  hash.update(identity.image);
  // Only with a cloud config: instances deployed without one keep their hash.
  if (identity.placement) hash.update('\0').update(identity.placement);
  return { files, processes, configHash: hash.digest('hex') };
}
