import type { DockerEngine } from '../../../docker/docker-engine';
import type { Readable } from 'node:stream';
import { PassThrough } from 'node:stream';
import { createDigester, Digests } from '../archives/digest';

/**
 * Imports a root-filesystem tarball (a stemcell's `image`) into Docker as `ref`, streaming it, and
 * returns the digests (every algorithm stemcell.MF may name) of the bytes it read.
 */
export async function importStemcellImage(docker: DockerEngine, image: Readable, ref: string): Promise<Digests> {
  const [repo, tag] = splitRef(ref);
  const hash = createDigester();
  const tee = new PassThrough();
  image.on('data', (d: Buffer) => hash.update(d));
  image.on('error', (err) => tee.destroy(err));
  image.pipe(tee);
  const refused = (err: unknown) => new Error(`Docker refused the stemcell image: ${(err as Error).message ?? err}`);
  const progress = await docker.importImage(tee, { repo, tag }).catch((err) => {
    throw refused(err);
  });
  await new Promise<void>((resolve, reject) => {
    docker.modem.followProgress(progress, (err: Error | null, out: Array<{ error?: string }>) => {
      const failed = err ?? out.find((o) => o.error);
      if (failed) reject(refused(failed instanceof Error ? failed : new Error(failed.error)));
      else resolve();
    });
  });
  return hash.digests();
}

function splitRef(ref: string): [string, string] {
  const i = ref.lastIndexOf(':');
  return [ref.slice(0, i), ref.slice(i + 1)];
}

/** Removes a stemcell's image; an image already gone is fine. */
export async function removeStemcellImage(docker: DockerEngine, ref: string, force: boolean): Promise<void> {
  try {
    await docker.getImage(ref).remove({ force });
  } catch (err) {
    if ((err as { statusCode?: number }).statusCode !== 404) throw err;
  }
}

/**
 * Gives the imported image its stemcell name (`ref`), dropping the staging name. An image the name
 * pointed to before (an earlier upload of the same stemcell) is removed unless a container still uses it.
 */
export async function promoteStemcellImage(docker: DockerEngine, stagingRef: string, ref: string): Promise<void> {
  const previous = await docker
    .getImage(ref)
    .inspect()
    .then((i) => i.Id)
    .catch(() => null);
  const [repo, tag] = splitRef(ref);
  await docker.getImage(stagingRef).tag({ repo, tag });
  await docker.getImage(stagingRef).remove();
  const current = (await docker.getImage(ref).inspect()).Id;
  if (previous && previous !== current)
    await docker
      .getImage(previous)
      .remove()
      .catch(() => undefined);
}
