import crypto from 'node:crypto';
import Router from '@koa/router';
import { z } from 'zod';
import type { AppContext, AppState } from '../../http/context';
import { withInput } from '../../http/validate';
import { ModuleArchiveError, readModuleArchive } from './module-archive';
import { MODULE_NAME } from './module-source';
import { mediaType, readBody } from './sync-body';
import { badRequest, invalidField, invalidInput, SyncError } from './sync-errors';
import type { SyncModulesRepo } from './sync-modules-repo';
import { presentModule } from './sync-presenters';

const ARCHIVE_TYPES = [
  'application/gzip',
  'application/x-gzip',
  'application/x-tar',
  'application/x-compressed',
  'application/octet-stream',
];
const VERSION = /^[A-Za-z0-9][A-Za-z0-9_.+-]{0,127}$/;

/** A query value (`fallback` when absent) that `test` accepts, else `message`. */
const checked = (test: (v: string) => boolean, message: string, fallback?: string) =>
  z
    .unknown()
    .optional()
    .transform((given, check) => {
      const v = given ?? fallback;
      if (typeof v === 'string' && test(v)) return v;
      check.addIssue({ code: 'custom', message });
      return z.NEVER;
    });

/** `?name=` (required) and `?version=` (`1` unless given) of an uploaded module. */
const uploadQuery = z.object({
  name: checked((v) => MODULE_NAME.test(v), 'a module name of letters, digits, _ . and - is required (?name=)'),
  version: checked((v) => VERSION.test(v), 'must be letters, digits, _ . + and -', '1'),
});

/**
 * `/v1/modules`: Terraform modules uploaded as a tar or tar.gz (`?name=&version=`), checked (nothing
 * leaves the module: no `..`, absolute names or links out) and stored whole in the database, so that
 * every node can run them. A task names one as `bosun://modules/<name>`, with `version` (newest if empty).
 */
export function syncModuleRoutes(modules: SyncModulesRepo, maxModuleBytes: number): Router<AppState> {
  const router = new Router<AppState>({ prefix: '/v1/modules' });

  router.get('/', async (ctx: AppContext) => {
    ctx.body = { request_id: ctx.state.requestId, modules: (await modules.list()).map(presentModule) };
  });

  router.post(
    '/',
    withInput({ query: uploadQuery }, invalidInput, async (ctx, { query: { name, version } }) => {
      const type = mediaType(ctx);
      if (type && !ARCHIVE_TYPES.includes(type))
        throw new SyncError(415, `Content-Type must be one of ${ARCHIVE_TYPES.join(', ')}`);
      const archive = await readBody(ctx, maxModuleBytes);
      if (!archive.length) throw badRequest('the request body is empty; a tar or tar.gz of the module is required');
      let entries;
      try {
        entries = await readModuleArchive(archive, maxModuleBytes);
      } catch (err) {
        if (err instanceof ModuleArchiveError) throw invalidField('module archive', err.message);
        throw err;
      }
      const stored = await modules.insert(
        {
          name,
          version,
          sha256: crypto.createHash('sha256').update(archive).digest('hex'),
          size: archive.length,
          files: entries.filter((e) => e.type === 'file').length,
          createdBy: ctx.state.user!.name,
        },
        archive,
      );
      if (!stored) throw badRequest(`module ${name} version ${version} already exists; upload another version`);
      ctx.status = 201;
      ctx.body = { request_id: ctx.state.requestId, module: presentModule(stored) };
    }),
  );

  return router;
}
