import { DirectorError } from '../../../errors/director-error';
import type { ConfigsRepo } from '../configs/configs-repo';
import type { DeploymentConfigsRepo } from '../configs/deployment-configs-repo';
import { Doc, mergeCloudConfigs, mergeForDiff, mergeRuntimeConfigs } from '../configs/config-documents';
import type { Deployment } from './deployments-repo';
import { byType, ConfigIds, latestConfigIds } from './deployment-configs';
import { parseManifestDocument } from './deployment-manifest';
import { DiffLine, manifestDiff } from './manifest-diff';

async function withConfigs(configs: ConfigsRepo, manifest: Doc, ids: number[]): Promise<Doc> {
  const { cloud, runtime } = byType(await configs.findByIds(ids));
  return mergeForDiff(manifest, mergeCloudConfigs(cloud), mergeRuntimeConfigs(runtime));
}

/**
 * `bosh deploy`'s diff, as the Director computes it: the deployed manifest with the configs it was
 * deployed with, against the new one with the latest cloud and runtime configs, so that a config
 * change shows as well as a manifest change. The context names the config versions the deploy is to
 * use. A config that cannot be merged answers 200 with an `error`, as the Director does.
 */
export async function deploymentDiff(
  configs: ConfigsRepo,
  deploymentConfigs: DeploymentConfigsRepo,
  deployed: Deployment | null,
  manifest: Doc,
  redact: boolean,
): Promise<{ context: ConfigIds; diff: DiffLine[] } | { diff: []; error: string }> {
  try {
    const context = await latestConfigIds(configs);
    const before = deployed?.manifest
      ? await withConfigs(
          configs,
          parseManifestDocument(deployed.manifest),
          await deploymentConfigs.idsOf(deployed.name),
        )
      : null;
    const after = await withConfigs(configs, manifest, [...context.cloud_config_ids, ...context.runtime_config_ids]);
    return { context, diff: manifestDiff(before, after, redact) };
  } catch (err) {
    if (!(err instanceof DirectorError)) throw err;
    return { diff: [], error: `Unable to diff manifest: ${err.message}` };
  }
}

/** `cloud_config` of `GET /deployments`: `none`, `latest` or `outdated` against the current cloud configs. */
export function cloudConfigState(deployedIds: number[], cloudIds: Set<number>, latestCloudIds: number[]): string {
  const used = deployedIds.filter((id) => cloudIds.has(id)).sort((a, b) => a - b);
  if (!used.length) return 'none';
  const latest = [...latestCloudIds].sort((a, b) => a - b);
  return used.length === latest.length && used.every((id, i) => id === latest[i]) ? 'latest' : 'outdated';
}
