import type Docker from 'dockerode';
import { z } from 'zod';
import { defineOperation } from '../../runner/operation';
import type { BlobStore } from '../blobs/blob-store';
import { tarEntries } from '../archives/tar-entries';
import type { EventRecorder } from '../events/event-recorder';
import { parseStemcellManifest, stemcellImageRef, StemcellManifest } from './stemcell-manifest';
import { importStemcellImage, promoteStemcellImage } from './import-stemcell-image';
import type { StemcellsRepo } from './stemcells-repo';
import { readStream } from '../archives/read-stream';

export const UPLOAD_STEMCELL_TYPE = 'update_stemcell';

const params = z.object({ blob_id: z.string(), fix: z.boolean().default(false) });

/**
 * `bosh upload-stemcell`: the uploaded tarball (`stemcell.MF` plus an `image` root filesystem) is
 * read once, streaming; the image is imported into Docker while its digest is computed and checked
 * against the manifest's. The uploaded blob is dropped afterwards, whatever the outcome.
 */
export function uploadStemcell(docker: Docker, blobs: BlobStore, stemcells: StemcellsRepo, events: EventRecorder) {
  return defineOperation({
    type: UPLOAD_STEMCELL_TYPE,
    params,
    async run(p, ctx) {
      const stage = ctx.beginStage('Update stemcell', 5);
      try {
        let manifest: StemcellManifest | null = null;
        let imageSha1: string | null = null;
        const stagingRef = `bosun-stemcell/upload:task-${ctx.task.id}`;
        await stage.step('Extracting stemcell archive', async () => {
          for await (const entry of tarEntries(blobs.read(p.blob_id))) {
            if (entry.name === 'stemcell.MF') manifest = parseStemcellManifest((await readStream(entry.body)).toString('utf8'));
            else if (entry.name === 'image') imageSha1 = await importStemcellImage(docker, entry.body, stagingRef);
          }
          if (!manifest) throw new Error('Stemcell archive has no stemcell.MF');
          if (!imageSha1) throw new Error('Stemcell archive has no image');
        });
        const mf = manifest as unknown as StemcellManifest;
        ctx.checkpoint();
        await stage.step('Verifying stemcell manifest', async () => {
          if (mf.sha1 && !sha1Agrees(mf.sha1, imageSha1!)) {
            throw new Error(`Stemcell image digest ${imageSha1} does not match stemcell.MF sha1 ${mf.sha1}`);
          }
        });
        const existing = await stage.step('Checking if this stemcell already exists', async () => stemcells.find(mf.name, mf.version));
        const cid = stemcellImageRef(mf.name, mf.version);
        if (existing && !p.fix) {
          await ctx.debug(`Stemcell '${mf.name}/${mf.version}' already exists; nothing to do`);
          await docker.getImage(stagingRef).remove().catch(() => undefined);
          await stage.step(`Uploading stemcell ${mf.name}/${mf.version} to the cloud`, async () => undefined);
          await stage.step(`Save stemcell ${mf.name}/${mf.version} (${existing.cid})`, async () => undefined);
          return `/stemcells/${mf.name}/${mf.version}`;
        }
        await stage.step(`Uploading stemcell ${mf.name}/${mf.version} to the cloud`, () => promoteStemcellImage(docker, stagingRef, cid));
        await stage.step(`Save stemcell ${mf.name}/${mf.version} (${cid})`, async () => {
          await stemcells.save({ name: mf.name, version: mf.version, operatingSystem: mf.operating_system, apiVersion: mf.api_version ?? null, cid, sha1: imageSha1! });
        });
        await events.record({ action: 'create', objectType: 'stemcell', objectName: `${mf.name}/${mf.version}`, task: ctx.task, context: {} });
        return `/stemcells/${mf.name}/${mf.version}`;
      } finally {
        await docker.getImage(`bosun-stemcell/upload:task-${ctx.task.id}`).remove().catch(() => undefined);
        await blobs.delete(p.blob_id);
      }
    },
  });
}

/** stemcell.MF's sha1 names the image's digest: plain SHA-1 or `sha1:`-prefixed; other algorithms are not checked here. */
function sha1Agrees(expected: string, actualSha1: string): boolean {
  const parts = expected.split(';').map((s) => s.trim());
  const sha1 = parts.find((s) => /^(sha1:)?[0-9a-f]{40}$/i.test(s));
  if (!sha1) return true;
  return sha1.replace(/^sha1:/, '').toLowerCase() === actualSha1;
}
