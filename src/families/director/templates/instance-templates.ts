/**
 * One instance's templates as one unit of rendering: every template of every job, rendered in one go (in
 * a renderer worker, see template-renderer-pool.ts), each failure collected as the Director collects them.
 */
import { MAX_INSTANCE_OUTPUT } from './render-limits';
import { renderTemplate, TemplateSpec } from './render-template';
import { TemplateError } from './template-error';

/** The templates of one job of an instance, with what they see. Plain data: it crosses to a worker. */
export interface JobTemplates {
  job: string;
  properties: Record<string, unknown>;
  spec: TemplateSpec;
  /** Template file name (as job.MF names it, or `monit`) and its ERB source. */
  templates: Array<{ name: string; source: string }>;
}

export interface InstanceTemplates {
  /** The instance group, for error messages. */
  group: string;
  jobs: JobTemplates[];
}

export type TemplateOutcome = { text: string } | { error: string };

/** What renders an instance's templates; the daemon's is a pool of worker threads (template-renderer-pool.ts). */
export interface TemplateRenderer {
  /** Each job's rendered texts, in the order of `request`, or a TemplateError naming every failed job and file. */
  render(request: InstanceTemplates): Promise<string[][]>;
}

/**
 * Renders every template of every job, one budget per template (render-limits.ts). `reached` is told
 * which template starts, so that whoever stops a render that overran knows which one it was.
 */
export function renderJobTemplates(
  jobs: JobTemplates[],
  reached: (job: number, template: number) => void = () => undefined,
): TemplateOutcome[][] {
  let total = 0;
  return jobs.map((job, j) =>
    job.templates.map((t, i): TemplateOutcome => {
      reached(j, i);
      try {
        const text = renderTemplate(t.source, { properties: job.properties, spec: job.spec, templateName: t.name });
        total += text.length;
        if (total > MAX_INSTANCE_OUTPUT)
          return {
            error: TemplateError.filling(
              t.name,
              `the instance's rendered templates exceed ${MAX_INSTANCE_OUTPUT} characters`,
            ).message,
          };
        return { text };
      } catch (e) {
        return {
          error: e instanceof TemplateError ? e.message : TemplateError.filling(t.name, (e as Error).message).message,
        };
      }
    }),
  );
}

/** The texts of a render, or the Director's error listing each failed template under its job. */
export function renderedTexts(request: InstanceTemplates, outcomes: TemplateOutcome[][]): string[][] {
  const failures = request.jobs
    .map((job, j) => ({ job: job.job, errors: outcomes[j].flatMap((o) => ('error' in o ? [o.error] : [])) }))
    .filter((f) => f.errors.length > 0);
  if (failures.length) throw TemplateError.forInstanceGroup(request.group, failures);
  return outcomes.map((texts) => texts.map((o) => (o as { text: string }).text));
}
