import YAML from 'yaml';
import { z } from 'zod';
import { readTarFiles } from '../archives/tar-entries';

const jobSpecSchema = z.object({
  name: z.string().min(1),
  templates: z.record(z.string(), z.string()).nullish(),
  packages: z.array(z.string()).nullish(),
  properties: z
    .record(
      z.string(),
      z.object({ default: z.unknown().optional(), description: z.unknown().optional() }).passthrough().nullish(),
    )
    .nullish(),
});

export interface JobArchive {
  name: string;
  /** Template source (under `templates/`) → destination under `/var/vcap/jobs/<job>/`. */
  templates: Record<string, string>;
  packages: string[];
  /** Declared property names with their defaults (undefined when a property has none). */
  properties: Record<string, { default?: unknown }>;
  monit: string | null;
  templateSources: Map<string, string>;
}

/** A job's archive (`jobs/<name>.tgz`, in memory or streamed from its blob): `job.MF`, `monit`, and `templates/*`. */
export async function parseJobArchive(
  archive: Buffer | AsyncIterable<Buffer>,
  expectedName: string,
): Promise<JobArchive> {
  const files = await readTarFiles(archive);
  const mf = files.get('job.MF');
  if (!mf) throw new Error(`Job '${expectedName}' has no job.MF`);
  let doc: unknown;
  try {
    doc = YAML.parse(mf.toString('utf8'));
  } catch (err) {
    throw new Error(`Job '${expectedName}': job.MF is not valid YAML: ${(err as Error).message}`);
  }
  const r = jobSpecSchema.safeParse(doc);
  if (!r.success)
    throw new Error(
      `Job '${expectedName}': job.MF is invalid: ${r.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`,
    );
  const spec = r.data;
  const templates = spec.templates ?? {};
  const templateSources = new Map<string, string>();
  for (const [src, dest] of Object.entries(templates)) {
    if (dest.split('/').includes('..') || dest.startsWith('/'))
      throw new Error(`Job '${expectedName}': template destination '${dest}' leaves the job directory`);
    const body = files.get(`templates/${src}`);
    if (!body) throw new Error(`Job '${expectedName}': template '${src}' is missing from the job archive`);
    templateSources.set(src, body.toString('utf8'));
  }
  const properties: Record<string, { default?: unknown }> = {};
  for (const [name, def] of Object.entries(spec.properties ?? {}))
    properties[name] = def && 'default' in def ? { default: def.default } : {};
  return {
    name: spec.name,
    templates,
    packages: spec.packages ?? [],
    properties,
    monit: files.get('monit')?.toString('utf8') ?? null,
    templateSources,
  };
}
