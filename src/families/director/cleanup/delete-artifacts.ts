import type { BlobStore } from '../../../blobs/blob-store';
import type { DockerEngine } from '../../../docker/docker-engine';
import { defineOperation } from '../../../runner/operation';
import type { TaskContext } from '../../../runner/task-context';
import { deleteArtifactsTask } from '../../director-tasks/cleanup-task';
import type { DeploymentsRepo } from '../deployments/deployments-repo';
import type { EventRecorder } from '../events/event-recorder';
import type { CompiledPackagesRepo } from '../packages/compiled-packages-repo';
import type { ReleasesRepo } from '../releases/releases-repo';
import { removeStemcellImage } from '../stemcells/import-stemcell-image';
import type { StemcellsRepo } from '../stemcells/stemcells-repo';
import { compiledOfNoStemcell, planCleanup, type CleanupSources } from './artifacts-to-delete';
import type { OrphanedDisks } from './orphaned-disks';
import type { OrphanedVms } from './orphaned-vms';

export interface DeleteArtifactsDeps extends CleanupSources {
  docker: DockerEngine;
  blobs: BlobStore;
  releases: CleanupSources['releases'] & Pick<ReleasesRepo, 'find' | 'deleteVersion' | 'deleteUnreferenced'>;
  stemcells: CleanupSources['stemcells'] & Pick<StemcellsRepo, 'delete'>;
  compiled: CleanupSources['compiled'] & Pick<CompiledPackagesRepo, 'delete' | 'deleteOrphans'>;
  deployments: CleanupSources['deployments'] & Pick<DeploymentsRepo, 'using'>;
  orphanedVms: OrphanedVms;
  orphanedDisks: OrphanedDisks;
  events: EventRecorder;
}

/**
 * `bosh clean-up [--all]`, as the Director's CleanupArtifactManager#delete: orphaned VMs, unused
 * releases, unused stemcells, compiled packages of no stemcell (`--all`), orphaned disks (`--all`) and
 * exported releases, each in its stage, with the images, volumes and blobs of what goes. A release or
 * stemcell a deploy took up since the plan was made is left alone.
 */
export function deleteArtifacts(d: DeleteArtifactsDeps) {
  return defineOperation({
    ...deleteArtifactsTask,
    async run(p, ctx) {
      const plan = await planCleanup(d, { removeAll: p.remove_all, keepOrphanedDisks: p.keep_orphaned_disks });

      const vms = await each(
        ctx,
        'Deleting orphaned vms',
        plan.orphanedVms,
        (vm) => vm.cid,
        (vm) => d.orphanedVms.delete(vm.cid),
      );

      const versions = plan.releases.flatMap((r) => r.versions.map((version) => ({ name: r.name, version })));
      let releases = 0;
      await each(
        ctx,
        'Deleting releases',
        versions,
        (v) => `${v.name}/${v.version}`,
        async (v) => {
          if ((await d.deployments.using('releases', v.name, v.version)).length) {
            await ctx.debug(`Release '${v.name}/${v.version}' was deployed since the clean-up began: kept`, 'WARN');
            return;
          }
          const found = await d.releases.find(v.name, v.version);
          if (!found) return;
          await d.releases.deleteVersion(found.id);
          const blobIds = [
            ...(await d.releases.deleteUnreferenced('release_jobs')),
            ...(await d.releases.deleteUnreferenced('release_packages')),
            ...(await d.compiled.deleteOrphans()),
          ];
          for (const id of blobIds) await d.blobs.delete(id);
          releases++;
          await d.events.record({
            action: 'delete',
            objectType: 'release',
            objectName: `${v.name}/${v.version}`,
            task: ctx.task,
          });
        },
      );

      let stemcells = 0;
      await each(
        ctx,
        'Deleting stemcells',
        plan.stemcells,
        (s) => `${s.name}/${s.version}`,
        async (s) => {
          if ((await d.deployments.using('stemcells', s.name, s.version)).length) {
            await ctx.debug(`Stemcell '${s.name}/${s.version}' was deployed since the clean-up began: kept`, 'WARN');
            return;
          }
          await removeStemcellImage(d.docker, s.cid, false);
          await d.stemcells.delete(s.id);
          stemcells++;
          await d.events.record({
            action: 'delete',
            objectType: 'stemcell',
            objectName: `${s.name}/${s.version}`,
            task: ctx.task,
          });
        },
      );

      // Chosen after the stemcells went, as the Director does: deleting releases may have taken some already.
      const compiled = p.remove_all ? compiledOfNoStemcell(await d.compiled.list(), await d.stemcells.list()) : [];
      await each(
        ctx,
        'Deleting compiled packages',
        compiled,
        (c) => `${c.name} for ${c.stemcellOs}/${c.stemcellVersion}`,
        async (c) => {
          const blobId = await d.compiled.delete(c);
          if (blobId) await d.blobs.delete(blobId);
        },
      );

      const disks = await each(
        ctx,
        'Deleting orphaned disks',
        plan.orphanedDisks,
        (disk) => disk.disk_cid,
        (disk) => d.orphanedDisks.delete(disk.disk_cid),
      );
      const exported = await each(
        ctx,
        'Deleting exported releases',
        plan.exportedReleases,
        (id) => id,
        (id) => d.blobs.delete(id),
      );

      return (
        `Deleted ${releases} release(s), ${stemcells} stemcell(s), ${compiled.length} extra compiled package(s), ` +
        `${disks} orphaned disk(s), ${vms} orphaned vm(s), ${exported} exported release(s), ` +
        `Deleted 0 dns blob(s) created before ${rubyTime(Date.now() - (p.remove_all ? 0 : DNS_BLOB_AGE_MS))}`
      );
    },
  });
}

/**
 * The Director also deletes expired DNS blobs (older than an hour, all with `--all`); bosun has none, and
 * says so in the Director's words so the result line reads as the Director's.
 */
const DNS_BLOB_AGE_MS = 3600_000;

/** A time as Ruby's Time#to_s writes it in UTC: `2026-12-02 15:31:00 +0000`. */
function rubyTime(ms: number): string {
  return new Date(ms)
    .toISOString()
    .replace('T', ' ')
    .replace(/\.\d+Z$/, ' +0000');
}

/** One stage of the clean-up: a step per item, in turn, with a checkpoint between them; the count done. */
async function each<T>(
  ctx: TaskContext,
  stageName: string,
  items: T[],
  label: (t: T) => string,
  fn: (t: T) => Promise<void>,
): Promise<number> {
  const stage = ctx.beginStage(stageName, items.length);
  for (const item of items) {
    ctx.checkpoint();
    await stage.step(label(item), () => fn(item));
  }
  return items.length;
}
