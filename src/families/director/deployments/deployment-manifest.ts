import YAML from 'yaml';
import { z } from 'zod';
import { versionText } from '../versions';

const NAME = z
  .string()
  .min(1)
  .max(200)
  .regex(/^[A-Za-z0-9_.-]+$/, 'letters, digits, _ . - only');
const VERSION = z.union([z.string().min(1), z.number()]).transform(versionText);
const properties = z.record(z.string(), z.unknown()).nullish();
/** `1000-5000` or `3000` milliseconds. */
const watchTime = z.union([
  z.number().int().min(0),
  z.string().regex(/^\s*\d+\s*(-\s*\d+\s*)?$/, 'N or N-M milliseconds'),
]);
/** A count or a percentage of the group's instances. */
const countOrPercent = z.union([z.number().int().min(0), z.string().regex(/^\d+%?$/, 'N or N%')]);

const update = z
  .object({
    canaries: countOrPercent.optional(),
    max_in_flight: countOrPercent.optional(),
    canary_watch_time: watchTime.optional(),
    update_watch_time: watchTime.optional(),
    serial: z.boolean().optional(),
  })
  .passthrough();

const job = z
  .object({
    name: NAME,
    release: NAME,
    properties,
  })
  .passthrough();

const instanceGroup = z
  .object({
    name: NAME,
    instances: z.number().int().min(0).max(100),
    lifecycle: z.enum(['service', 'errand']).default('service'),
    jobs: z.array(job).min(1),
    stemcell: z.string().min(1),
    properties,
    update: update.optional(),
    azs: z.array(z.string()).nullish(),
    vm_type: z.string().nullish(),
    networks: z.array(z.object({ name: z.string() }).passthrough()).nullish(),
    env: z.record(z.string(), z.unknown()).nullish(),
  })
  .passthrough();

const variable = z
  .object({
    name: z
      .string()
      .min(1)
      .max(400)
      .regex(/^[A-Za-z0-9_.\-/]+$/, 'letters, digits, _ . - / only'),
    type: z.string().min(1),
    options: z.record(z.string(), z.unknown()).nullish(),
  })
  .passthrough();

const schema = z
  .object({
    name: NAME,
    releases: z.array(z.object({ name: NAME, version: VERSION }).passthrough()).min(1),
    stemcells: z
      .array(
        z
          .object({
            alias: z.string().min(1),
            os: z.string().optional(),
            name: z.string().optional(),
            version: VERSION,
          })
          .passthrough(),
      )
      .min(1),
    instance_groups: z.array(instanceGroup).default([]),
    update: update.default({}),
    properties,
    variables: z.array(variable).default([]),
  })
  .passthrough();

const headSchema = z.object({ name: NAME, variables: z.array(variable).nullish() }).passthrough();

export type DeploymentManifest = z.infer<typeof schema>;
export type InstanceGroupSpec = DeploymentManifest['instance_groups'][number];
export type UpdateSpec = z.infer<typeof update>;
export type VariableSpec = DeploymentManifest['variables'][number];

export class ManifestError extends Error {}

/** The YAML document of a manifest; a manifest that is not a YAML mapping is refused. */
export function parseManifestDocument(text: string): Record<string, unknown> {
  let doc: unknown;
  try {
    doc = YAML.parse(text, { maxAliasCount: 100 });
  } catch (err) {
    throw new ManifestError(`Manifest is not valid YAML: ${(err as Error).message.split('\n')[0]}`);
  }
  if (!doc || typeof doc !== 'object' || Array.isArray(doc)) throw new ManifestError('Manifest must be a YAML mapping');
  return doc as Record<string, unknown>;
}

/** Checks an (interpolated) manifest document against what bosun deploys. */
export function validateManifest(doc: Record<string, unknown>): DeploymentManifest {
  const r = schema.safeParse(doc);
  if (!r.success) {
    const problems = r.error.issues.slice(0, 5).map((i) => `${i.path.join('.') || 'manifest'}: ${i.message}`);
    throw new ManifestError(`Manifest is invalid: ${problems.join('; ')}`);
  }
  const m = r.data;
  const seen = new Set<string>();
  for (const g of m.instance_groups) {
    if (seen.has(g.name)) throw new ManifestError(`Instance group '${g.name}' appears more than once`);
    seen.add(g.name);
    if (!m.stemcells.some((s) => s.alias === g.stemcell))
      throw new ManifestError(`Instance group '${g.name}' references unknown stemcell alias '${g.stemcell}'`);
    for (const j of g.jobs) {
      if (!m.releases.some((r) => r.name === j.release))
        throw new ManifestError(
          `Job '${j.name}' in instance group '${g.name}' references release '${j.release}', which is not in the manifest's releases`,
        );
    }
  }
  for (const s of m.stemcells)
    if (!s.os && !s.name) throw new ManifestError(`Stemcell '${s.alias}' needs 'os' or 'name'`);
  return m;
}

/** The parts needed before placeholders are resolved: the name and the variable definitions. */
export function manifestHead(doc: Record<string, unknown>): { name: string; variables: VariableSpec[] } {
  const r = headSchema.safeParse(doc);
  if (!r.success) {
    const problems = r.error.issues.slice(0, 5).map((i) => `${i.path.join('.') || 'manifest'}: ${i.message}`);
    throw new ManifestError(`Manifest is invalid: ${problems.join('; ')}`);
  }
  return { name: r.data.name, variables: r.data.variables ?? [] };
}

/** Milliseconds to wait at least and at most for an instance's processes to run. */
export function watchWindow(v: number | string | undefined, fallback: [number, number]): [number, number] {
  if (v === undefined) return fallback;
  if (typeof v === 'number') return [v, v];
  const [a, b] = v.split('-').map((x) => Number(x.trim()));
  return b === undefined ? [a, a] : [a, b];
}

/** `canaries` / `max_in_flight` for a group of `size` instances: counts or percentages, at least 1. */
export function countOf(v: number | string | undefined, size: number, fallback: number): number {
  if (v === undefined) return fallback;
  if (typeof v === 'number') return v;
  if (v.endsWith('%')) return Math.max(1, Math.floor((Number(v.slice(0, -1)) * size) / 100));
  return Number(v);
}
