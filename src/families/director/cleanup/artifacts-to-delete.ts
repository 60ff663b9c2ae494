import type { DeploymentsRepo, NameVersion } from '../deployments/deployments-repo';
import type { CompiledPackage, CompiledPackagesRepo } from '../packages/compiled-packages-repo';
import type { ReleasesRepo } from '../releases/releases-repo';
import type { Stemcell, StemcellsRepo } from '../stemcells/stemcells-repo';
import { compareVersions } from '../versions';
import type { OrphanedDisk, OrphanedDisks } from './orphaned-disks';
import type { OrphanedVm, OrphanedVms } from './orphaned-vms';

/** What `bosh clean-up` asks for (`remove_all`: `--all`). */
export interface CleanupOptions {
  removeAll: boolean;
  keepOrphanedDisks: boolean;
}

export interface CleanableRelease {
  name: string;
  /** Oldest first. */
  versions: string[];
}

/** What a clean-up would delete, as the Director's CleanupArtifactManager picks it. */
export interface CleanupPlan {
  releases: CleanableRelease[];
  stemcells: Stemcell[];
  compiledPackages: CompiledPackage[];
  orphanedDisks: OrphanedDisk[];
  orphanedVms: OrphanedVm[];
  /** Blob ids of exported releases: bosun exports none, so there are none to delete. */
  exportedReleases: string[];
}

export interface CleanupSources {
  releases: Pick<ReleasesRepo, 'list'>;
  stemcells: Pick<StemcellsRepo, 'list'>;
  compiled: Pick<CompiledPackagesRepo, 'list'>;
  deployments: Pick<DeploymentsRepo, 'list'>;
  orphanedVms: Pick<OrphanedVms, 'list'>;
  orphanedDisks: Pick<OrphanedDisks, 'list'>;
}

/** Versions kept of each release and stemcell (the newest unused ones) unless `remove_all`. */
export const VERSIONS_KEPT = 2;

const key = (name: string, version: string) => `${name}\u0000${version}`;

/** Unused versions grouped by name, oldest first, less the newest `keep` of each name. */
function pickUnused<T>(items: T[], nameOf: (t: T) => string, versionOf: (t: T) => string, keep: number): T[] {
  const byName = new Map<string, T[]>();
  for (const t of items) byName.set(nameOf(t), [...(byName.get(nameOf(t)) ?? []), t]);
  const picked: T[] = [];
  for (const name of [...byName.keys()].sort()) {
    const sorted = byName.get(name)!.sort((a, b) => compareVersions(versionOf(a), versionOf(b)));
    picked.push(...sorted.slice(0, Math.max(0, sorted.length - keep)));
  }
  return picked;
}

function usedBy(deployed: NameVersion[][]): Set<string> {
  return new Set(deployed.flat().map((nv) => key(nv.name, String(nv.version))));
}

/**
 * The unused release versions and stemcells (those no deployment's last manifest names) less the two
 * newest of each name, or all of them with `remove_all`; with `remove_all` also the compiled packages
 * of no stemcell that stays, and orphaned disks unless `keep_orphaned_disks`; every orphaned VM.
 */
export async function planCleanup(src: CleanupSources, opts: CleanupOptions): Promise<CleanupPlan> {
  const keep = opts.removeAll ? 0 : VERSIONS_KEPT;
  const deployments = await src.deployments.list();
  const releasesInUse = usedBy(deployments.map((d) => d.releases));
  const stemcellsInUse = usedBy(deployments.map((d) => d.stemcells));

  const unusedVersions = (await src.releases.list()).filter((v) => !releasesInUse.has(key(v.name, v.version)));
  const releases: CleanableRelease[] = [];
  for (const v of pickUnused(
    unusedVersions,
    (r) => r.name,
    (r) => r.version,
    keep,
  )) {
    const last = releases.at(-1);
    if (last?.name === v.name) last.versions.push(v.version);
    else releases.push({ name: v.name, versions: [v.version] });
  }

  const allStemcells = await src.stemcells.list();
  const stemcells = pickUnused(
    allStemcells.filter((s) => !stemcellsInUse.has(key(s.name, s.version))),
    (s) => s.name,
    (s) => s.version,
    keep,
  );
  const deleted = new Set(stemcells.map((s) => s.id));
  const compiledPackages = opts.removeAll
    ? compiledOfNoStemcell(
        await src.compiled.list(),
        allStemcells.filter((s) => !deleted.has(s.id)),
      )
    : [];

  return {
    releases,
    stemcells,
    compiledPackages,
    orphanedDisks: opts.removeAll && !opts.keepOrphanedDisks ? await src.orphanedDisks.list() : [],
    orphanedVms: await src.orphanedVms.list(),
    exportedReleases: [],
  };
}

/** Compiled packages built for an operating system and version no remaining stemcell has. */
export function compiledOfNoStemcell(compiled: CompiledPackage[], remaining: Stemcell[]): CompiledPackage[] {
  const kept = new Set(remaining.map((s) => key(s.operatingSystem, s.version)));
  return compiled.filter((c) => !kept.has(key(c.stemcellOs, c.stemcellVersion)));
}
