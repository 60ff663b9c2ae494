import type { ConfigsRepo, ConfigVersion } from '../configs/configs-repo';
import { CloudConfig, parseCloudConfig } from '../configs/cloud-config';
import { Doc, mergeCloudConfigs, mergeRuntimeConfigs } from '../configs/config-documents';
import { invalidConfigReference } from '../configs/config-errors';

/** The config versions a deploy uses: the ones its diff showed (the CLI's `context`), else the latest. */
export interface ConfigIds {
  cloud_config_ids: number[];
  runtime_config_ids: number[];
}

export interface DeploymentConfigSet {
  ids: number[];
  cloud: CloudConfig;
  /** The merged cloud and runtime config documents (what the deploy diff shows). */
  cloudDoc: Doc;
  runtimeDoc: Doc;
}

/** The latest version of every cloud and runtime config name, for a deploy or its diff. */
export async function latestConfigIds(configs: ConfigsRepo): Promise<ConfigIds> {
  return {
    cloud_config_ids: (await configs.latestSet('cloud')).map((c) => c.id),
    runtime_config_ids: (await configs.latestSet('runtime')).map((c) => c.id),
  };
}

/**
 * The ids of the CLI's `context` query parameter (`{"cloud_config_ids":[..],"runtime_config_ids":[..]}`),
 * each one a stored version of its type; anything else is the Director's 190025.
 */
export async function contextConfigIds(configs: ConfigsRepo, context: string): Promise<ConfigIds> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(context);
  } catch {
    throw invalidConfigReference();
  }
  const ids = (v: unknown): number[] => {
    if (v == null) return [];
    if (!Array.isArray(v) || !v.every((x) => Number.isSafeInteger(x))) throw invalidConfigReference();
    return v as number[];
  };
  const p = (parsed ?? {}) as Record<string, unknown>;
  const out = { cloud_config_ids: ids(p.cloud_config_ids), runtime_config_ids: ids(p.runtime_config_ids) };
  const found = await configs.findByIds([...out.cloud_config_ids, ...out.runtime_config_ids]);
  const typeOf = new Map(found.map((c) => [c.id, c.type]));
  if (
    !out.cloud_config_ids.every((id) => typeOf.get(id) === 'cloud') ||
    !out.runtime_config_ids.every((id) => typeOf.get(id) === 'runtime')
  )
    throw invalidConfigReference();
  return out;
}

/** Splits stored versions by type, in the order they merge (oldest first). */
export function byType(versions: ConfigVersion[]) {
  const sorted = [...versions].sort((a, b) => a.id - b.id);
  return {
    cloud: sorted.filter((c) => c.type === 'cloud').map((c) => c.content),
    runtime: sorted.filter((c) => c.type === 'runtime').map((c) => c.content),
  };
}

/** The configs of a deploy, loaded, merged and checked. */
export async function loadDeploymentConfigs(configs: ConfigsRepo, ids: ConfigIds): Promise<DeploymentConfigSet> {
  const all = [...ids.cloud_config_ids, ...ids.runtime_config_ids];
  const versions = await configs.findByIds(all);
  if (versions.length !== new Set(all).size) throw invalidConfigReference();
  const { cloud, runtime } = byType(versions);
  const cloudDoc = mergeCloudConfigs(cloud);
  return { ids: all, cloud: parseCloudConfig(cloudDoc), cloudDoc, runtimeDoc: mergeRuntimeConfigs(runtime) };
}
