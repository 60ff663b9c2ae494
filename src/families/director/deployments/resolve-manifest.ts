import type { SecretRedactor } from '../../../secrets/secret-redactor';
import type { SecretStore } from '../../../secrets/secret-store';
import type { BlobStore } from '../../../blobs/blob-store';
import { parseJobArchive, JobArchive } from '../releases/job-archive';
import type { ReleaseVersion, ReleasesRepo } from '../releases/releases-repo';
import type { Stemcell, StemcellsRepo } from '../stemcells/stemcells-repo';
import { latestVersion } from '../versions';
import {
  DeploymentManifest,
  ManifestError,
  manifestHead,
  parseManifestDocument,
  validateManifest,
} from './deployment-manifest';
import { baseName, interpolate, referencedVariables } from './interpolate';
import { resolveVariables } from './variables';

export interface ResolvedDeployment {
  manifest: DeploymentManifest;
  releases: Map<string, ReleaseVersion>;
  /** Stemcell by alias. */
  stemcells: Map<string, Stemcell>;
  /** Job archives by `release/job`. */
  jobs: Map<string, JobArchive>;
}

export interface ResolveDeps {
  releases: ReleasesRepo;
  stemcells: StemcellsRepo;
  blobs: BlobStore;
  secrets: SecretStore;
  directorName: string;
}

/**
 * From manifest text to everything a deploy needs: variables resolved (generated when the manifest
 * defines them) and registered with the task's `redactor`, the document checked, and every release,
 * stemcell and job it names found.
 */
export async function resolveManifest(
  text: string,
  deps: ResolveDeps,
  redactor: SecretRedactor,
): Promise<ResolvedDeployment> {
  const doc = parseManifestDocument(text);
  const { variables: rawVariables, ...rest } = doc;
  const head = manifestHead(doc);
  const values = await resolveVariables(
    deps.secrets.readingFor(redactor),
    head.variables,
    referencedVariables(rest).map(baseName),
    {
      director: deps.directorName,
      deployment: head.name,
    },
  );
  const manifest = validateManifest({
    ...(interpolate(rest, values) as Record<string, unknown>),
    variables: rawVariables ?? [],
  });

  const releases = new Map<string, ReleaseVersion>();
  for (const r of manifest.releases) {
    const versions = await deps.releases.versionsOf(r.name);
    const version = r.version === 'latest' ? latestVersion(versions.map((v) => v.version)) : r.version;
    const found = versions.find((v) => v.version === version);
    if (!found) {
      throw new ManifestError(
        versions.length
          ? `Release version '${r.name}/${r.version}' doesn't exist`
          : `Release '${r.name}' doesn't exist`,
      );
    }
    releases.set(r.name, found);
  }

  const all = await deps.stemcells.list();
  const stemcells = new Map<string, Stemcell>();
  for (const s of manifest.stemcells) {
    const candidates = all.filter((c) => (s.os ? c.operatingSystem === s.os : c.name === s.name));
    const version = s.version === 'latest' ? latestVersion(candidates.map((c) => c.version)) : s.version;
    const found = candidates.find((c) => c.version === version);
    if (!found)
      throw new ManifestError(`Stemcell '${s.os ? `os ${s.os}` : s.name}' version '${s.version}' doesn't exist`);
    stemcells.set(s.alias, found);
  }

  const jobs = new Map<string, JobArchive>();
  for (const g of manifest.instance_groups) {
    for (const j of g.jobs) {
      const key = `${j.release}/${j.name}`;
      if (jobs.has(key)) continue;
      const release = releases.get(j.release)!;
      const ref = release.jobs.find((x) => x.name === j.name);
      if (!ref)
        throw new ManifestError(
          `Job '${j.name}' (instance group '${g.name}') is not in release '${release.name}/${release.version}'`,
        );
      const stored = await deps.releases.artifact('release_jobs', ref.name, ref.fingerprint);
      if (!stored) throw new Error(`Job '${j.name}' (${ref.fingerprint}) has no stored archive`);
      jobs.set(key, await parseJobArchive(deps.blobs.read(stored.blobId), j.name));
    }
  }
  return { manifest, releases, stemcells, jobs };
}
