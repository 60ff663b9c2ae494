import Router from '@koa/router';
import type { Next } from 'koa';
import { z } from 'zod';
import { isAdmin } from '../../auth/user-store';
import type { SecretStore } from '../../secrets/secret-store';
import { jsonBodyParser } from '../../http/json-body';
import type { AppContext, AppState } from '../../http/context';
import { credentialNotFound, credhubErrors, CredhubError, invalidCredential } from './credhub-errors';
import { presentSecret } from './secret-presenter';

const NAME = z
  .string()
  .max(1024)
  .regex(/^\/[A-Za-z0-9_\-./]*$/, 'must start with / and hold only letters, digits and _ - . /');

const setSchema = z.discriminatedUnion('type', [
  z.object({ name: NAME, type: z.enum(['value', 'password']), value: z.string().min(1) }).strict(),
  z.object({ name: NAME, type: z.literal('json'), value: z.record(z.string(), z.unknown()) }).strict(),
]);

const generateSchema = z
  .object({
    name: NAME,
    type: z.literal('password'),
    parameters: z
      .object({ length: z.number().int().min(8).max(200).optional() })
      .strict()
      .optional(),
  })
  .strict();

function parse<T>(schema: z.ZodType<T>, body: unknown): T {
  const r = schema.safeParse(body);
  if (r.success) return r.data;
  throw invalidCredential(
    r.error.issues
      .slice(0, 5)
      .map((i) => `${i.path.join('.') || 'body'}: ${i.message}`)
      .join('; '),
  );
}

function nameFromQuery(ctx: AppContext): string {
  const raw = ctx.query.name;
  if (typeof raw !== 'string') throw invalidCredential('the query parameter name is required');
  return parse(NAME, raw);
}

const jsonBody = jsonBodyParser({ notJson: () => invalidCredential('Content-Type must be application/json') });

/** The secrets API in the style of CredHub's `/api/v1/data`, for bosh.admin users only. */
export function secretsRoutes(store: SecretStore): Router<AppState> {
  const router = new Router<AppState>({ prefix: '/api/v1/data' });
  // Authentication is the app's gate (credhubRealm); the scope is checked here again all the same.
  router.use(credhubErrors, async (ctx: AppContext, next: Next) => {
    if (!ctx.state.user || !isAdmin(ctx.state.user))
      throw new CredhubError(403, 'The secrets API needs the scope bosh.admin');
    await next();
  });

  router.put('/', jsonBody, async (ctx: AppContext) => {
    const body = parse(setSchema, ctx.request.body);
    ctx.body = presentSecret(await store.set(body.name, body.type, body.value));
  });

  router.post('/', jsonBody, async (ctx: AppContext) => {
    const body = parse(generateSchema, ctx.request.body);
    ctx.body = presentSecret(await store.generatePassword(body.name, body.parameters?.length ?? 30));
  });

  router.get('/', async (ctx: AppContext) => {
    const secret = await store.get(nameFromQuery(ctx));
    if (!secret) throw credentialNotFound();
    ctx.body = { data: [presentSecret(secret)] };
  });

  router.get('/:id', async (ctx: AppContext) => {
    const id = ctx.params.id;
    const secret = /^[0-9a-f-]{36}$/.test(id) ? await store.getById(id) : null;
    if (!secret) throw credentialNotFound();
    ctx.body = presentSecret(secret);
  });

  router.delete('/', async (ctx: AppContext) => {
    if (!(await store.delete(nameFromQuery(ctx)))) throw credentialNotFound();
    ctx.status = 204;
  });

  return router;
}
