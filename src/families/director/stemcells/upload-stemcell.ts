import type { DockerEngine } from '../../../docker/docker-engine';
import { z } from 'zod';
import { defineOperation } from '../../../runner/operation';
import { taskKind } from '../../../tasks/task-kind';
import type { BlobStore } from '../../../blobs/blob-store';
import { Digests, digestsMatch, parseDigest } from '../archives/digest';
import { tarEntries } from '../archives/tar-entries';
import type { EventRecorder } from '../events/event-recorder';
import { parseStemcellManifest, stemcellImageRef, StemcellManifest } from './stemcell-manifest';
import { importStemcellImage, promoteStemcellImage } from './import-stemcell-image';
import type { StemcellsRepo } from './stemcells-repo';
import { readStream } from '../archives/read-stream';

export const UPLOAD_STEMCELL_TYPE = 'update_stemcell';

const params = z.object({ blob_id: z.string(), fix: z.boolean().default(false) });

export const uploadStemcellTask = taskKind(UPLOAD_STEMCELL_TYPE, params);

/**
 * `bosh upload-stemcell`: the uploaded tarball (`stemcell.MF` plus an `image` root filesystem) is
 * read once, streaming; the image is imported into Docker while its digest is computed and checked
 * against the manifest's. The uploaded blob is dropped afterwards, whatever the outcome.
 */
export function uploadStemcell(
  docker: DockerEngine,
  blobs: BlobStore,
  stemcells: StemcellsRepo,
  events: EventRecorder,
) {
  return defineOperation({
    ...uploadStemcellTask,
    async run(p, ctx) {
      const stage = ctx.beginStage('Update stemcell', 5);
      try {
        let manifest: StemcellManifest | null = null;
        let imageDigests: Digests | null = null;
        const stagingRef = `bosun-stemcell/upload:task-${ctx.task.id}`;
        await stage.step('Extracting stemcell archive', async () => {
          for await (const entry of tarEntries(blobs.read(p.blob_id))) {
            if (entry.name === 'stemcell.MF')
              manifest = parseStemcellManifest((await readStream(entry.body)).toString('utf8'));
            else if (entry.name === 'image') imageDigests = await importStemcellImage(docker, entry.body, stagingRef);
          }
          if (!manifest) throw new Error('Stemcell archive has no stemcell.MF');
          if (!imageDigests) throw new Error('Stemcell archive has no image');
        });
        const mf = manifest as unknown as StemcellManifest;
        const digests = imageDigests as unknown as Digests;
        ctx.checkpoint();
        await stage.step('Verifying stemcell manifest', () => verifyImageDigest(mf, digests));
        const existing = await stage.step('Checking if this stemcell already exists', async () =>
          stemcells.find(mf.name, mf.version),
        );
        const cid = stemcellImageRef(mf.name, mf.version);
        if (existing && !p.fix) {
          await ctx.debug(`Stemcell '${mf.name}/${mf.version}' already exists; nothing to do`);
          await docker
            .getImage(stagingRef)
            .remove()
            .catch(() => undefined);
          await stage.step(`Uploading stemcell ${mf.name}/${mf.version} to the cloud`, () => undefined);
          await stage.step(`Save stemcell ${mf.name}/${mf.version} (${existing.cid})`, () => undefined);
          return `/stemcells/${mf.name}/${mf.version}`;
        }
        await stage.step(`Uploading stemcell ${mf.name}/${mf.version} to the cloud`, () =>
          promoteStemcellImage(docker, stagingRef, cid),
        );
        await stage.step(`Save stemcell ${mf.name}/${mf.version} (${cid})`, async () => {
          await stemcells.save({
            name: mf.name,
            version: mf.version,
            operatingSystem: mf.operating_system,
            apiVersion: mf.api_version ?? null,
            cid,
            sha1: digests.sha1,
          });
        });
        await events.record({
          action: 'create',
          objectType: 'stemcell',
          objectName: `${mf.name}/${mf.version}`,
          task: ctx.task,
          context: {},
        });
        return `/stemcells/${mf.name}/${mf.version}`;
      } finally {
        await docker
          .getImage(`bosun-stemcell/upload:task-${ctx.task.id}`)
          .remove()
          .catch(() => undefined);
        await blobs.delete(p.blob_id);
      }
    },
  });
}

/**
 * stemcell.MF's `sha1` is the image's digest in any form the Director accepts (plain SHA-1,
 * `sha256:<hex>`, several joined by `;`); every form given must agree. A manifest without one, or
 * with one that is not a digest, is refused: an image nothing vouches for is not imported.
 */
function verifyImageDigest(mf: StemcellManifest, actual: Digests): void {
  if (!mf.sha1?.trim()) throw new Error('stemcell.MF has no sha1: the image digest cannot be verified');
  if (!parseDigest(mf.sha1))
    throw new Error(
      `stemcell.MF sha1 '${mf.sha1}' is not a digest (hex SHA-1, sha256:<hex> or sha512:<hex>, joined by ';')`,
    );
  if (!digestsMatch(mf.sha1, actual)) {
    throw new Error(
      `Stemcell image digest (sha1 ${actual.sha1}, sha256 ${actual.sha256}) does not match stemcell.MF sha1 ${mf.sha1}`,
    );
  }
}
