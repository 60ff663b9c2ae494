import Router from '@koa/router';
import { z } from 'zod';
import type { AppContext, AppState } from '../../../http/context';
import { requireAdmin, requireRead } from '../../../http/director/director-auth';
import { readTextBody, requireContentType } from '../../../http/raw-body';
import { DirectorError } from '../../../errors/director-error';
import { directorInput } from '../../../http/director/json-body';
import { queryText } from '../../../http/validate';
import { ConfigChanges, configDiff } from './config-changes';
import { configDocument, normaliseRuntimeConfig, parseConfigContent } from './config-documents';
import { badConfig, badConfigRequest, configNotFound, invalidJson } from './config-errors';
import type { ConfigsRepo } from './configs-repo';
import type { DeploymentConfigsRepo } from './deployment-configs-repo';
import { presentConfig, presentDeploymentConfig } from './configs-presenter';

/** A JSON object from the body, with the Director's errors for anything else. */
async function jsonObject(ctx: AppContext): Promise<Record<string, unknown>> {
  requireContentType(ctx, 'application/json');
  const text = await readTextBody(ctx);
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch (err) {
    throw invalidJson((err as Error).message);
  }
  if (!body || typeof body !== 'object' || Array.isArray(body)) throw badConfigRequest('JSON object expected');
  return body as Record<string, unknown>;
}

/** `type` and `name`: present, non-empty strings (`'type' is required`, `'name' must be a string`). */
function typeAndName(body: Record<string, unknown>): { type: string; name: string } {
  for (const key of ['type', 'name']) {
    const v = body[key];
    if (v == null || v === '') throw badConfigRequest(`'${key}' is required`);
    if (typeof v !== 'string') throw badConfigRequest(`'${key}' must be a string`);
  }
  return { type: body.type as string, name: body.name as string };
}

/** A status with no body, as the Director answers a delete (404 when nothing was there to delete). */
export function answerEmpty(ctx: AppContext, status: number) {
  ctx.status = status;
  if (status !== 204) ctx.body = '';
}

const idParam = (ctx: AppContext) => ctx.params.id;

const isInteger = (s: string) => /^-?\d+$/.test(s) && String(Number(s)) === s;

const idSide = z.object({ id: z.union([z.string().regex(/\d+/), z.number().int()]) }).strict();
const contentSide = z.object({ content: z.string() }).strict();
const side = z.union([idSide, contentSide]);
const fromTo = z.object({ from: side, to: side }).strict();
const againstCurrent = z.object({ type: z.string().min(1), name: z.string().min(1), content: z.string() });

const DIFF_FORMATS =
  'The following request formats are allowed:\n' +
  '1. {"from":<config>,"to":<config>} where <config> is either {"id":"<id>"} or {"content":"<content>"}\n' +
  '2. {"type":"<type>","name":"<name>","content":"<content>"}';

/**
 * `/configs` as the Director serves it: every upload of a changed content is a new version (its id a
 * string), `latest` lists the current version of each type and name, a delete marks a type and name
 * deleted, and `/configs/diff` compares two versions, two contents, or a content with the current one.
 */
/** The query the config routes read; each value is checked where its Director message is given. */
const configsQuery = z.object({ limit: queryText, latest: queryText, type: queryText, name: queryText });

export function configsRoutes(configs: ConfigsRepo, changes: ConfigChanges, deploymentConfigs: DeploymentConfigsRepo) {
  const router = new Router<AppState>();

  const byId = async (id: string) => {
    const found = isInteger(id) ? await configs.findById(Number(id)) : null;
    if (!found) throw configNotFound(id);
    return found;
  };

  router.get(
    '/configs',
    requireRead,
    directorInput({ query: configsQuery }, async (ctx, { query }) => {
      const limitParam = query.limit;
      const latest = query.latest;
      if (limitParam !== undefined) {
        if (!isInteger(limitParam)) throw badConfigRequest("'limit' must be a number");
        if (Number(limitParam) < 1) throw badConfigRequest("'limit' must be larger than zero");
      }
      if (latest !== undefined && latest !== 'true' && latest !== 'false')
        throw badConfigRequest("'latest' must be 'true' or 'false'");
      const limit =
        limitParam !== undefined ? Number(limitParam) : latest === 'false' ? Math.max(1, await configs.maxId()) : 1;
      const found = await configs.find({ type: query.type, name: query.name, limit });
      ctx.body = found.map(presentConfig);
    }),
  );

  router.get('/configs/:id', requireRead, async (ctx: AppContext) => {
    ctx.body = presentConfig(await byId(idParam(ctx)));
  });

  router.post('/configs', requireAdmin, async (ctx: AppContext) => {
    const user = ctx.state.user?.name ?? null;
    let body: Record<string, unknown> | undefined;
    try {
      body = await jsonObject(ctx);
      const { type, name } = typeAndName(body);
      if (typeof body.content !== 'string') throw badConfig('Config must be valid YAML: content is not a string');
      const doc = parseConfigContent(body.content);
      const content = type === 'runtime' ? normaliseRuntimeConfig(doc) : body.content;
      const current = await configs.current(type, name);
      const currentId = current ? String(current.id) : '0';
      const rawExpected = body.expected_latest_id;
      const expected =
        typeof rawExpected === 'string' || typeof rawExpected === 'number' ? String(rawExpected) : undefined;
      if (expected !== undefined && expected !== currentId) {
        ctx.status = 412;
        ctx.body = {
          latest_id: currentId,
          expected_latest_id: expected,
          description: `Latest Id: '${currentId}' does not match expected latest id`,
        };
        return;
      }
      const saved = await changes.upload(type, name, content, {
        user,
        action: 'create',
        objectType: `config/${type}`,
        objectName: name,
      });
      ctx.status = 201;
      ctx.body = presentConfig(saved);
    } catch (err) {
      if (err instanceof DirectorError && body) {
        const type = typeof body.type === 'string' ? body.type : '';
        const name = typeof body.name === 'string' ? body.name : null;
        await changes.record({ user, action: 'create', objectType: `config/${type}`, objectName: name }, err);
      }
      throw err;
    }
  });

  router.post('/configs/diff', requireAdmin, async (ctx: AppContext) => {
    const body = await jsonObject(ctx);
    const pair = fromTo.safeParse(body);
    const current = pair.success ? null : againstCurrent.safeParse(body);
    if (!pair.success && !current?.success) throw badConfigRequest(DIFF_FORMATS);
    const load = async (s: z.infer<typeof side>) =>
      'id' in s ? configDocument((await byId(String(s.id))).content) : parseConfigContent(s.content);
    try {
      if (pair.success) {
        const before = await load(pair.data.from);
        const after = await load(pair.data.to);
        ctx.body = { diff: configDiff(before, after, true) };
        return;
      }
      const { type, name, content } = current!.data!;
      const old = await configs.current(type, name);
      const after = parseConfigContent(content);
      ctx.body = {
        from: { id: old ? String(old.id) : '0' },
        diff: configDiff(old ? configDocument(old.content) : null, after, true),
      };
    } catch (err) {
      if (!(err instanceof DirectorError) || err.code !== 440011) throw err;
      ctx.status = 400;
      ctx.body = { diff: [], error: `Unable to diff config content: ${err.message}` };
    }
  });

  router.delete('/configs/:id', requireAdmin, async (ctx: AppContext) => {
    await byId(idParam(ctx));
    answerEmpty(ctx, (await configs.deleteById(Number(idParam(ctx)))) > 0 ? 204 : 404);
  });

  router.delete(
    '/configs',
    requireAdmin,
    directorInput({ query: configsQuery }, async (ctx, { query }) => {
      const { type, name } = query;
      if (!type) throw badConfigRequest("'type' is required");
      if (!name) throw badConfigRequest("'name' is required");
      answerEmpty(ctx, (await configs.deleteByTypeAndName(type, name)) > 0 ? 204 : 404);
    }),
  );

  router.get('/deployment_configs', requireRead, async (ctx: AppContext) => {
    const raw = ctx.query['deployment[]'] ?? ctx.query.deployment;
    const names = raw === undefined ? undefined : Array.isArray(raw) ? raw : [raw];
    ctx.body = (await deploymentConfigs.list(names)).map(presentDeploymentConfig);
  });

  return router;
}
