import type { DockerEngine } from '../../../docker/docker-engine';
import { z } from 'zod';
import { defineOperation } from '../../../runner/operation';
import { taskKind } from '../../../tasks/task-kind';
import type { BlobStore } from '../../../blobs/blob-store';
import type { DeploymentsRepo } from '../deployments/deployments-repo';
import type { EventRecorder } from '../events/event-recorder';
import type { CompiledPackagesRepo } from '../packages/compiled-packages-repo';
import { removeStemcellImage } from './import-stemcell-image';
import type { StemcellsRepo } from './stemcells-repo';

export const DELETE_STEMCELL_TYPE = 'delete_stemcell';
export const deleteStemcellTask = taskKind(
  DELETE_STEMCELL_TYPE,
  z.object({ name: z.string(), version: z.string(), force: z.boolean().default(false) }),
);

/** `bosh delete-stemcell`: refused while a deployment uses it unless forced; removes its image and compiled packages. */
export function deleteStemcell(
  docker: DockerEngine,
  stemcells: StemcellsRepo,
  deployments: DeploymentsRepo,
  compiled: CompiledPackagesRepo,
  blobs: BlobStore,
  events: EventRecorder,
) {
  return defineOperation({
    ...deleteStemcellTask,
    async run(p, ctx) {
      const stage = ctx.beginStage('Deleting stemcell from cloud', 1);
      const slug = `${p.name}/${p.version}`;
      const stemcell = await stemcells.find(p.name, p.version);
      if (!stemcell) throw new Error(`Stemcell '${slug}' doesn't exist`);
      const users = await deployments.using('stemcells', p.name, p.version);
      if (users.length && !p.force) throw new Error(`Stemcell '${slug}' is still in use by: ${users.join(', ')}`);
      await stage.step(`Delete stemcell ${slug}`, async () => {
        await removeStemcellImage(docker, stemcell.cid, p.force);
        for (const id of await compiled.deleteForStemcell(stemcell.operatingSystem, stemcell.version))
          await blobs.delete(id);
        await stemcells.delete(stemcell.id);
      });
      await events.record({ action: 'delete', objectType: 'stemcell', objectName: slug, task: ctx.task });
      return `/stemcells/${slug}`;
    },
  });
}
