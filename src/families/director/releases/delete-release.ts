import { z } from 'zod';
import { defineOperation } from '../../../runner/operation';
import { taskKind } from '../../../tasks/task-kind';
import type { BlobStore } from '../../../blobs/blob-store';
import type { DeploymentsRepo } from '../deployments/deployments-repo';
import type { EventRecorder } from '../events/event-recorder';
import type { CompiledPackagesRepo } from '../packages/compiled-packages-repo';
import type { ReleasesRepo } from './releases-repo';

export const DELETE_RELEASE_TYPE = 'delete_release';
export const deleteReleaseTask = taskKind(
  DELETE_RELEASE_TYPE,
  z.object({ name: z.string(), version: z.string().nullable(), force: z.boolean().default(false) }),
);

/**
 * `bosh delete-release name[/version]`: refused while a deployment uses it unless forced; jobs,
 * packages and compiled packages no remaining release version lists are deleted with their blobs.
 */
export function deleteRelease(
  releases: ReleasesRepo,
  deployments: DeploymentsRepo,
  compiled: CompiledPackagesRepo,
  blobs: BlobStore,
  events: EventRecorder,
) {
  return defineOperation({
    ...deleteReleaseTask,
    async run(p, ctx) {
      const versions = (await releases.versionsOf(p.name)).filter((v) => p.version === null || v.version === p.version);
      const slug = p.version === null ? p.name : `${p.name}/${p.version}`;
      if (!versions.length) throw new Error(`Release '${slug}' doesn't exist`);
      for (const v of versions) {
        const users = await deployments.using('releases', v.name, v.version);
        if (users.length && !p.force)
          throw new Error(`Release '${v.name}/${v.version}' is still in use by: ${users.join(', ')}`);
      }
      const stage = ctx.beginStage('Deleting packages and jobs', versions.length);
      for (const v of versions) {
        await stage.step(`${v.name}/${v.version}`, async () => {
          await releases.deleteVersion(v.id);
          const orphans = [
            ...(await releases.deleteUnreferenced('release_jobs')),
            ...(await releases.deleteUnreferenced('release_packages')),
            ...(await compiled.deleteOrphans()),
          ];
          for (const id of orphans) await blobs.delete(id);
        });
        await events.record({
          action: 'delete',
          objectType: 'release',
          objectName: `${v.name}/${v.version}`,
          task: ctx.task,
        });
      }
      return `Deleted release '${slug}'`;
    },
  });
}
