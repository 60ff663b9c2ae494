import type { Overlay } from '../../../docker/overlay';
import type { TaskContext } from '../../../runner/task-context';
import type { BlobStore } from '../../../blobs/blob-store';
import type { Instance } from '../instances/instances-repo';
import { renderInstance, RenderedInstance } from '../instances/render-instance';
import type { PackageCompiler } from '../packages/package-compiler';
import type { TemplateRenderer } from '../templates/instance-templates';
import { placeCompiledPackage } from '../packages/package-compiler';
import { azOf, GroupPlacement, instanceFingerprint } from './cloud-placement';
import type { InstanceGroupSpec } from './deployment-manifest';
import type { ResolvedDeployment } from './resolve-manifest';

/**
 * What every instance of a group gets: its jobs' compiled packages, as archives placed under
 * /var/vcap/packages, each streamed from the database into every container that gets it.
 */
export interface GroupPackages {
  packages: Overlay[];
  packageDigests: string[];
}

/** Compiles (or finds) the packages of every job of a group, each package once. */
export async function compileGroupPackages(
  compiler: PackageCompiler,
  blobs: BlobStore,
  ctx: TaskContext,
  resolved: ResolvedDeployment,
  group: InstanceGroupSpec,
): Promise<GroupPackages> {
  const stemcell = resolved.stemcells.get(group.stemcell)!;
  const packages: Overlay[] = [];
  const packageDigests: string[] = [];
  const placed = new Set<string>();
  for (const j of group.jobs) {
    const release = resolved.releases.get(j.release)!;
    const archive = resolved.jobs.get(`${j.release}/${j.name}`)!;
    if (!archive.packages.length) continue;
    const compiled = await compiler.compile(ctx, release, archive.packages, stemcell);
    for (const pkg of compiled.values()) {
      if (placed.has(pkg.name)) continue;
      placed.add(pkg.name);
      packages.push(() => placeCompiledPackage(blobs, pkg));
      packageDigests.push(`${pkg.name}:${pkg.sha1}`);
    }
  }
  return { packages, packageDigests };
}

/** One instance's rendered jobs, with the spec its templates see. */
export function renderGroupInstance(
  renderer: TemplateRenderer,
  resolved: ResolvedDeployment,
  group: InstanceGroupSpec,
  packages: GroupPackages,
  inst: Pick<Instance, 'id' | 'index' | 'bootstrap'>,
  deployment: string,
  image: string,
  placement?: GroupPlacement,
): Promise<RenderedInstance> {
  const jobs = group.jobs.map((j) => {
    const release = resolved.releases.get(j.release)!;
    return {
      archive: resolved.jobs.get(`${j.release}/${j.name}`)!,
      properties: j.properties ?? null,
      release: { name: release.name, version: release.version },
    };
  });
  return renderInstance(
    renderer,
    jobs,
    {
      groupProperties: group.properties ?? null,
      globalProperties: resolved.manifest.properties ?? null,
      spec: {
        name: group.name,
        id: inst.id,
        index: inst.index,
        deployment,
        address: '127.0.0.1',
        ip: '127.0.0.1',
        az: (placement && azOf(placement, inst.index)) ?? group.azs?.[0] ?? '',
        bootstrap: inst.bootstrap,
        networks: { default: { ip: '127.0.0.1' } },
      },
    },
    {
      packageDigests: packages.packageDigests,
      image,
      placement: placement && instanceFingerprint(placement, inst.index),
    },
  );
}
