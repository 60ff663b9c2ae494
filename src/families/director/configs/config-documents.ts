import YAML from 'yaml';
import { badConfig, badManifest, cloudConfigMergeError, runtimeConfigParseError } from './config-errors';

export type Doc = Record<string, unknown>;

const isMapping = (v: unknown): v is Doc => !!v && typeof v === 'object' && !Array.isArray(v);

function parseYaml(text: string): unknown {
  return YAML.parse(text, { maxAliasCount: 100 });
}

/** `POST /configs` content: YAML whose top level is a mapping (the Director's `BadConfig` otherwise). */
export function parseConfigContent(text: string): Doc {
  let doc: unknown;
  try {
    doc = parseYaml(text);
  } catch (err) {
    throw badConfig(`Config must be valid YAML: ${(err as Error).message.split('\n')[0]}`);
  }
  if (!isMapping(doc)) throw badConfig('YAML hash expected');
  return doc;
}

/** A YAML body of the older config routes (`/cloud_configs`...): the Director's `BadManifest` when it is not a mapping. */
export function parseManifestYaml(text: string): Doc {
  if (text === '') throw badManifest('Manifest should not be empty');
  let doc: unknown;
  try {
    doc = parseYaml(text);
  } catch (err) {
    throw badManifest(`Incorrect YAML structure of the uploaded manifest: ${(err as Error).message.split('\n')[0]}`);
  }
  if (!isMapping(doc)) throw badManifest('Manifest should be a hash');
  return doc;
}

/** A stored version's document; content stored before it was checked, or emptied, reads as `{}`. */
export function configDocument(content: string): Doc {
  try {
    const doc = parseYaml(content);
    return isMapping(doc) ? doc : {};
  } catch {
    return {};
  }
}

/**
 * A runtime config as the Director stores it: release versions as strings (`1` and `'1'` are the
 * same release), the document dumped again as YAML.
 */
export function normaliseRuntimeConfig(doc: Doc): string {
  const releases = doc.releases;
  if (Array.isArray(releases)) {
    for (const r of releases as unknown[])
      if (isMapping(r) && (typeof r.version === 'number' || typeof r.version === 'bigint'))
        r.version = String(r.version);
  }
  return YAML.stringify(doc);
}

function arrayOf(doc: Doc, key: string, what: string, fail: (m: string) => Error): unknown[] {
  const v = doc[key];
  if (v == null) return [];
  if (!Array.isArray(v)) throw fail(`${what} '${key}' must be an array`);
  return v;
}

const CLOUD_KEYS = ['azs', 'vm_types', 'disk_types', 'networks', 'vm_extensions'] as const;

/**
 * Several named cloud configs as one, as the Director merges them: their `azs`, `vm_types`,
 * `disk_types`, `networks` and `vm_extensions` lists joined in the order the configs were created;
 * `compilation` may come from one of them only. No config, or only empty ones, merge to `{}`.
 */
export function mergeCloudConfigs(contents: string[]): Doc {
  const docs = contents.map(configDocument);
  if (!docs.some((d) => Object.keys(d).length)) return {};
  const out: Doc = Object.fromEntries(CLOUD_KEYS.map((k) => [k, [] as unknown[]]));
  for (const doc of docs) {
    for (const k of CLOUD_KEYS) (out[k] as unknown[]).push(...arrayOf(doc, k, 'Cloud config', cloudConfigMergeError));
    if (doc.compilation == null) continue;
    if (!isMapping(doc.compilation)) throw cloudConfigMergeError("Cloud config 'compilation' must be a hash");
    if (out.compilation)
      throw cloudConfigMergeError("Cloud config 'compilation' key cannot be defined in multiple cloud configs.");
    out.compilation = doc.compilation;
  }
  return out;
}

/**
 * Several named runtime configs as one, as the Director merges them: `releases`, `addons` and
 * `variables` joined, `tags` from one config only; empty `addons` and `variables` left out.
 */
export function mergeRuntimeConfigs(contents: string[]): Doc {
  if (!contents.length) return {};
  const out: Doc = { releases: [], addons: [], variables: [] };
  for (const doc of contents.map(configDocument)) {
    for (const k of ['releases', 'addons', 'variables'])
      (out[k] as unknown[]).push(...arrayOf(doc, k, 'Runtime config', runtimeConfigParseError));
    if (doc.tags == null) continue;
    if (!isMapping(doc.tags)) throw runtimeConfigParseError("Runtime config 'tags' must be a hash");
    if (out.tags)
      throw runtimeConfigParseError("Runtime config 'tags' key cannot be defined in multiple runtime configs.");
    out.tags = doc.tags;
  }
  for (const k of ['addons', 'variables']) if (!(out[k] as unknown[]).length) delete out[k];
  return out;
}

/**
 * What `bosh deploy` diffs: the manifest with the cloud config's keys over it, then the runtime
 * config's, whose `releases`, `variables` and `addons` join the manifest's (each entry once) and whose
 * `tags` yield to the manifest's, as the Director's `Manifest#to_hash` merges them.
 */
export function mergeForDiff(manifest: Doc, cloud: Doc, runtime: Doc): Doc {
  const out: Doc = { ...manifest, ...cloud };
  for (const [k, v] of Object.entries(runtime)) {
    const old = out[k];
    if (k === 'releases' || k === 'variables' || k === 'addons') {
      if (Array.isArray(old) && Array.isArray(v)) {
        const seen = new Set(old.map((x) => JSON.stringify(x)));
        out[k] = [...(old as unknown[]), ...(v as unknown[]).filter((x) => !seen.has(JSON.stringify(x)))];
      } else out[k] = old ?? v;
    } else if (k === 'tags') {
      out[k] = isMapping(old) && isMapping(v) ? { ...v, ...old } : (old ?? v);
    } else out[k] = v;
  }
  return out;
}
