import Router from '@koa/router';
import { z } from 'zod';
import type { Authenticator } from '../../auth/authenticator';
import type { TokenService } from '../../auth/token-service';
import { isAdmin } from '../../auth/user-store';
import { jsonBodyParser } from '../json-body';
import type { AppContext, AppState } from '../context';
import { type InputProblem, withInput } from '../validate';
import { ciphertrustErrors, CiphertrustError } from '../ciphertrust/ciphertrust-errors';

const grantSchema = z.discriminatedUnion('grant_type', [
  z
    .object({
      grant_type: z.literal('password'),
      username: z.string().min(1).max(256),
      password: z.string().min(1).max(1024),
    })
    .strict(),
  z.object({ grant_type: z.literal('refresh_token'), refresh_token: z.string().min(1).max(512) }).strict(),
]);

const jsonBody = jsonBodyParser({
  notJson: () => new CiphertrustError(415, 'Content-Type must be application/json'),
  limit: '16kb',
});

function parseGrant(body: unknown): z.infer<typeof grantSchema> {
  const r = grantSchema.safeParse(body);
  if (r.success) return r.data;
  const problems = r.error.issues.slice(0, 5).map((i) => `${i.path.join('.') || 'body'}: ${i.message}`);
  throw new CiphertrustError(400, `Invalid request body: ${problems.join('; ')}`);
}

/** `?user=`: an admin lists another user's tokens (given once; otherwise ignored). */
const listQuery = z.object({
  user: z
    .unknown()
    .optional()
    .transform((v) => (typeof v === 'string' ? v : undefined)),
});

/** `?user=`: whose tokens to revoke, required. */
const revokeQuery = z.object({
  user: z
    .unknown()
    .optional()
    .transform((v, check) => {
      if (typeof v === 'string' && v) return v;
      check.addIssue({ code: 'custom', message: 'the query parameter user is required' });
      return z.NEVER;
    }),
});

const invalidQuery = (p: InputProblem) => new CiphertrustError(400, p.message);

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/**
 * Bearer tokens, as CipherTrust Manager issues them (`POST /api/v1/auth/tokens`): a password grant
 * or a refresh grant gives `{jwt, duration, token_type, refresh_token}`; admins list and revoke
 * refresh tokens, one by id or every token of a user.
 */
export function tokenRoutes(auth: Authenticator, tokens: TokenService): Router<AppState> {
  const router = new Router<AppState>({ prefix: '/api/v1/auth/tokens' });
  router.use(ciphertrustErrors);

  router.post('/', jsonBody, async (ctx: AppContext) => {
    const grant = parseGrant(ctx.request.body);
    if (grant.grant_type === 'password') {
      const who = await auth.checkPassword(grant.username, grant.password, ctx.ip);
      if (who.kind === 'limited') {
        ctx.set('Retry-After', String(who.retryAfterSeconds));
        throw new CiphertrustError(429, 'Too many failed logins; try again later');
      }
      if (who.kind !== 'user') throw new CiphertrustError(401, 'Invalid user credentials');
      ctx.body = await tokens.issue(who.user);
      return;
    }
    const refreshed = await tokens.refreshAccess(grant.refresh_token);
    if (!refreshed) throw new CiphertrustError(401, 'Invalid or revoked refresh token');
    const { user: _user, ...answer } = refreshed;
    ctx.body = answer;
  });

  router.get(
    '/',
    withInput({ query: listQuery }, invalidQuery, async (ctx, { query: { user } }) => {
      const rows = await tokens.refreshTokens.list(isAdmin(ctx.state.user!) ? user : ctx.state.user!.name);
      ctx.body = {
        skip: 0,
        limit: rows.length,
        total: rows.length,
        resources: rows.map((r) => ({
          id: r.id,
          username: r.username,
          createdAt: r.createdAt,
          expiresAt: r.expiresAt,
        })),
      };
    }),
  );

  router.delete(
    '/',
    withInput({ query: revokeQuery }, invalidQuery, async (ctx, { query: { user } }) => {
      await tokens.refreshTokens.revokeUser(user);
      ctx.status = 204;
    }),
  );

  router.delete('/:id', async (ctx: AppContext) => {
    const id = ctx.params.id;
    if (!UUID.test(id) || !(await tokens.refreshTokens.revoke(id)))
      throw new CiphertrustError(404, 'Resource not found');
    ctx.status = 204;
  });

  return router;
}
