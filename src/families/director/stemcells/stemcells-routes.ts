import Router from '@koa/router';
import { z } from 'zod';
import { badRequest, payloadTooLarge, stemcellNotFound } from '../../../errors/director-error';
import { BlobTooLargeError } from '../../../blobs/blob-store';
import type { DirectorServices } from '../director-services';
import { deleteStemcellTask } from './delete-stemcell';
import { uploadStemcellTask } from './upload-stemcell';
import type { AppContext, AppState } from '../../../http/context';
import { presentStemcell } from '../director-presenters';
import type { StartTask } from '../../../http/start-task';
import { requireAdmin, requireRead } from '../../../http/director/director-auth';
import { directorInput, jsonBody } from '../../../http/director/json-body';
import { requireContentType } from '../../../http/raw-body';
import { queryFlag } from '../../../http/validate';

/** Uploaded stemcell and release tarballs may be this large. */
export const MAX_UPLOAD_BYTES = 8 * 1024 * 1024 * 1024;

/** Streams an uploaded tarball (`application/x-compressed`) into the blob store. */
async function storeUpload(ctx: AppContext, s: DirectorServices): Promise<string> {
  requireContentType(ctx, 'application/x-compressed', 'application/gzip', 'application/octet-stream');
  try {
    const { id, size } = await s.blobs.putStream(ctx.req, MAX_UPLOAD_BYTES);
    if (size === 0) {
      await s.blobs.delete(id);
      throw badRequest('The upload is empty');
    }
    return id;
  } catch (err) {
    if (err instanceof BlobTooLargeError) throw payloadTooLarge(`${MAX_UPLOAD_BYTES} bytes`);
    throw err;
  }
}

/** `?fix=true` re-imports what was uploaded before. */
export const uploadQuery = z.object({ fix: queryFlag });

/** `?force=true` deletes a stemcell or release in use. */
export const forceQuery = z.object({ force: queryFlag });

/**
 * `bosh upload-stemcell|upload-release <file>`: the tarball is stored, then a task of `type` reads it.
 * (Uploads by URL are refused: bosun fetches nothing from the network.)
 */
export async function uploadTask(
  ctx: AppContext,
  s: DirectorServices,
  startTask: StartTask,
  what: 'stemcell' | 'release',
  kind: typeof uploadStemcellTask,
  query: z.output<typeof uploadQuery>,
): Promise<void> {
  if (ctx.is('application/json'))
    throw badRequest(`bosun takes ${what} files: upload the tarball itself (bosh upload-${what} <file>)`);
  const blobId = await storeUpload(ctx, s);
  await startTask(ctx, kind, { blob_id: blobId, fix: query.fix }, { description: `create ${what}` });
}

const needsUploadSchema = z.object({ stemcell: z.object({ name: z.string(), version: z.string() }) });

export function stemcellsRoutes(s: DirectorServices, startTask: StartTask): Router<AppState> {
  const router = new Router<AppState>();

  router.get('/stemcells', requireRead, async (ctx: AppContext) => {
    const out = [];
    for (const st of await s.stemcells.list())
      out.push(presentStemcell(st, await s.deployments.using('stemcells', st.name, st.version)));
    ctx.body = out;
  });

  router.post(
    '/stemcells',
    requireAdmin,
    directorInput({ query: uploadQuery }, (ctx, { query }) =>
      uploadTask(ctx, s, startTask, 'stemcell', uploadStemcellTask, query),
    ),
  );

  router.post(
    '/stemcell_uploads',
    requireAdmin,
    jsonBody,
    directorInput({ body: needsUploadSchema }, async (ctx, { body: { stemcell } }) => {
      ctx.body = { needed: !(await s.stemcells.find(stemcell.name, stemcell.version)) };
    }),
  );

  router.delete(
    '/stemcells/:name/:version',
    requireAdmin,
    directorInput({ query: forceQuery }, async (ctx, { query }) => {
      const { name, version } = ctx.params;
      if (!(await s.stemcells.find(name, version))) throw stemcellNotFound(`${name}/${version}`);
      await startTask(
        ctx,
        deleteStemcellTask,
        { name, version, force: query.force },
        { description: `delete stemcell: ${name}/${version}` },
      );
    }),
  );

  return router;
}
