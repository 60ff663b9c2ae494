import type { BlobStore } from '../../../blobs/blob-store';
import { createDigester, Digests } from '../archives/digest';
import { ArchiveError, tarEntries } from '../archives/tar-entries';

/** release.MF is a list of jobs and packages: far below this even for the largest releases. */
const MAX_MANIFEST_BYTES = 16 * 1024 * 1024;

/** A job or package archive of an upload, already streamed into a blob of its own. */
export interface StagedArchive {
  blobId: string;
  digests: Digests;
}

export interface ExtractedRelease {
  manifest: Buffer | null;
  /** By path in the tarball: `jobs/<name>.tgz`, `packages/<name>.tgz`. */
  archives: Map<string, StagedArchive>;
}

const ARTIFACT_PATH = /^(jobs|packages)\/[^/]+\.tgz$/;

/**
 * Reads an uploaded release tarball once, streaming: `release.MF` into memory, every job and package
 * archive straight into a blob of its own, hashed on the way (in every algorithm a digest may name,
 * since release.MF may come after them). Whatever else it holds is skipped. On failure nothing
 * staged is left behind.
 */
export async function extractRelease(blobs: BlobStore, uploadId: string): Promise<ExtractedRelease> {
  const out: ExtractedRelease = { manifest: null, archives: new Map() };
  try {
    for await (const entry of tarEntries(blobs.read(uploadId))) {
      if (entry.type !== 'file') {
        entry.body.resume();
      } else if (entry.name === 'release.MF') {
        out.manifest = await readSmall(entry.body);
      } else if (ARTIFACT_PATH.test(entry.name)) {
        const digester = createDigester();
        const stored = await blobs.putStream(entry.body, undefined, (chunk) => digester.update(chunk));
        const earlier = out.archives.get(entry.name);
        if (earlier) await blobs.delete(earlier.blobId);
        out.archives.set(entry.name, { blobId: stored.id, digests: digester.digests() });
      } else {
        entry.body.resume();
      }
    }
  } catch (err) {
    await discardStaged(blobs, out.archives.values());
    throw err;
  }
  return out;
}

export async function discardStaged(blobs: BlobStore, staged: Iterable<StagedArchive>): Promise<void> {
  for (const s of staged) await blobs.delete(s.blobId);
}

async function readSmall(body: AsyncIterable<Buffer>): Promise<Buffer> {
  const parts: Buffer[] = [];
  let size = 0;
  for await (const part of body) {
    size += part.length;
    if (size > MAX_MANIFEST_BYTES) throw new ArchiveError(`release.MF is larger than ${MAX_MANIFEST_BYTES} bytes`);
    parts.push(part);
  }
  return Buffer.concat(parts);
}
