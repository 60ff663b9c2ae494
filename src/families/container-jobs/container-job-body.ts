import { pipeline } from 'node:stream';
import zlib from 'node:zlib';
import type { BlobStore } from '../../blobs/blob-store';
import { BODY_BUDGET_RETRY_AFTER, bodyBudget } from './body-budget';
import type { AppContext } from '../../http/context';
import { findNul, nulMessage } from '../../http/nul-detector';
import { GostintError, invalidContainerJob } from './container-jobs-errors';
import { ContainerJobBodyLimits, ContainerJobBodyScanner, tooLarge } from './container-job-body-scanner';

/** GoStint's bounds: a 64 MiB content string in a body of at most 96 MiB; the other fields are small. */
export const CONTAINER_JOB_BODY_LIMITS: ContainerJobBodyLimits = {
  body: 96 * 1024 * 1024,
  content: 64 * 1024 * 1024,
  fields: 1024 * 1024,
};

/**
 * The most one job request holds in memory while its body streams into the database: its other
 * fields, one blob part being stored (4 MiB, and the driver's encoding of it), and a decoding batch.
 */
const JOB_BODY_HELD_BYTES = 12 * 1024 * 1024;

export interface ContainerJobBody {
  /** Every member of the request but `content`. */
  fields: Record<string, unknown>;
  /** The blob holding `content`'s archive, when the request had one. */
  contentBlob: string | null;
}

/** The body as its Content-Encoding says to decode it; a stream that does not decode fails with zlib's error. */
function decodedBody(ctx: AppContext): AsyncIterable<Buffer> {
  const encoding = (ctx.get('Content-Encoding') || 'identity').trim().toLowerCase();
  const inflate = {
    gzip: zlib.createGunzip,
    'x-gzip': zlib.createGunzip,
    deflate: zlib.createInflate,
    br: zlib.createBrotliDecompress,
  }[encoding];
  if (encoding === 'identity') return ctx.req;
  if (!inflate)
    throw new GostintError(415, 'Unsupported content encoding.', `Content-Encoding ${encoding} is not supported`);
  const decoded = inflate();
  pipeline(ctx.req, decoded, () => undefined);
  return decoded;
}

/**
 * Reads a job request's JSON body: `content` is decoded as it arrives and stored in the blob store part
 * by part (every node can then run the job); the other fields are returned parsed. Refuses, before
 * reading, a body declared past the limit (413) or one that does not fit the process's body budget
 * (503 with Retry-After); a NUL character in any field is a 400.
 */
export async function readContainerJobBody(ctx: AppContext, blobs: BlobStore): Promise<ContainerJobBody> {
  const declared = ctx.request.length;
  if (declared !== undefined && declared > CONTAINER_JOB_BODY_LIMITS.body) {
    throw tooLarge(`the request body is larger than ${CONTAINER_JOB_BODY_LIMITS.body} bytes`);
  }
  const release = bodyBudget.tryReserve(Math.min(declared ?? JOB_BODY_HELD_BYTES, JOB_BODY_HELD_BYTES));
  if (!release) {
    ctx.set('Retry-After', String(BODY_BUDGET_RETRY_AFTER));
    throw new GostintError(503, 'Server busy.', 'too many request bodies are being received; retry shortly');
  }
  try {
    const scanner = new ContainerJobBodyScanner(CONTAINER_JOB_BODY_LIMITS);
    const stored = await blobs.putStream(scanner.contentOf(decodedBody(ctx)), CONTAINER_JOB_BODY_LIMITS.content);
    const contentBlob = scanner.hasContent ? stored.id : null;
    try {
      const fields = scanner.fields();
      const nul = findNul(fields);
      if (nul) throw invalidContainerJob(nulMessage(nul));
      return { fields, contentBlob };
    } catch (err) {
      if (contentBlob) await blobs.delete(contentBlob);
      throw err;
    }
  } finally {
    release();
  }
}
