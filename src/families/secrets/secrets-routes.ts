import Router from '@koa/router';
import type { Next } from 'koa';
import { z } from 'zod';
import { isAdmin } from '../../auth/user-store';
import type { SecretStore } from '../../secrets/secret-store';
import { jsonBodyParser } from '../../http/json-body';
import type { AppContext, AppState } from '../../http/context';
import { describeIssues, type InputProblem, withInput } from '../../http/validate';
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
  throw invalidCredential(describeIssues(r.error));
}

/** `?name=`: required, given once, a secret's name (its problems read as a body's: `body: ...`). */
const nameQuery = z.object({
  name: z
    .unknown()
    .optional()
    .transform((raw, check) => {
      if (typeof raw !== 'string') {
        check.addIssue({ code: 'custom', message: 'the query parameter name is required' });
        return z.NEVER;
      }
      const r = NAME.safeParse(raw);
      if (r.success) return r.data;
      check.addIssue({ code: 'custom', message: describeIssues(r.error) });
      return z.NEVER;
    }),
});

const invalidQuery = (p: InputProblem) => invalidCredential(p.message);

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

  router.get(
    '/',
    withInput({ query: nameQuery }, invalidQuery, async (ctx, { query }) => {
      const secret = await store.get(query.name);
      if (!secret) throw credentialNotFound();
      ctx.body = { data: [presentSecret(secret)] };
    }),
  );

  router.get('/:id', async (ctx: AppContext) => {
    const id = ctx.params.id;
    const secret = /^[0-9a-f-]{36}$/.test(id) ? await store.getById(id) : null;
    if (!secret) throw credentialNotFound();
    ctx.body = presentSecret(secret);
  });

  router.delete(
    '/',
    withInput({ query: nameQuery }, invalidQuery, async (ctx, { query }) => {
      if (!(await store.delete(query.name))) throw credentialNotFound();
      ctx.status = 204;
    }),
  );

  return router;
}
