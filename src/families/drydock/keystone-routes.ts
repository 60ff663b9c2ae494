import crypto from 'node:crypto';
import Router from '@koa/router';
import { z } from 'zod';
import type { Authenticator } from '../../auth/authenticator';
import type { TokenService } from '../../auth/token-service';
import type { User } from '../../auth/user-store';
import type { AuthRealm } from '../../http/auth/auth-realm';
import type { AppContext, AppState } from '../../http/context';
import { jsonBodyParser } from '../../http/json-body';
import { errorBoundary } from '../../http/middleware/error-boundary';

/** An error of the Keystone subset, in Keystone's shape `{"error":{"code","message","title"}}`. */
export class KeystoneError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

const TITLES: Record<number, string> = {
  400: 'Bad Request',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'Not Found',
  413: 'Request Entity Too Large',
  415: 'Unsupported Media Type',
  429: 'Too Many Requests',
};

export function renderKeystoneError(ctx: AppContext, status: number, message: string): void {
  ctx.status = status;
  ctx.body = { error: { code: status, message, title: TITLES[status] ?? 'Error' } };
}

const keystoneErrors = errorBoundary(
  (ctx, status, message) => renderKeystoneError(ctx, status, message),
  (err) => (err instanceof KeystoneError ? { status: err.status, message: err.message } : null),
);

/** `/v3`: only issuing a token is public (it checks the password itself). */
export const keystoneRealm: AuthRealm = {
  name: 'keystone',
  prefixes: ['/v3'],
  publicRoutes: [{ methods: ['POST'], path: '/v3/auth/tokens' }],
  unauthorized: (ctx) => renderKeystoneError(ctx, 401, 'The request you have made requires authentication.'),
  forbidden: (ctx) => renderKeystoneError(ctx, 403, 'You are not authorized to perform the requested action.'),
  tooManyAttempts(ctx, retryAfter) {
    ctx.set('Retry-After', String(retryAfter));
    renderKeystoneError(ctx, 429, 'Too many failed logins; try again later');
  },
};

const named = z.object({ name: z.string().max(256).optional(), id: z.string().max(256).optional() }).passthrough();
const authSchema = z.object({
  auth: z
    .object({
      identity: z
        .object({
          methods: z.array(z.string()).min(1),
          password: z
            .object({ user: named.extend({ password: z.string().min(1).max(1024), domain: named.optional() }) })
            .optional(),
          token: z.object({ id: z.string().min(1).max(4096) }).optional(),
        })
        .passthrough(),
      scope: z.unknown().optional(),
    })
    .passthrough(),
});

/** Keystone's JSON bodies: `application/json` (else 415), at most 64 KB. */
const parseAuthBody = jsonBodyParser({
  notJson: () => new KeystoneError(415, 'Content-Type must be application/json'),
  limit: '64kb',
});

const DOMAIN = { id: 'default', name: 'Default' };

/**
 * The part of Keystone v3 Drydock's CLI and client use (keystoneauth1's `v3.Password` and
 * `v3.TokenMethod`): `POST /v3/auth/tokens` answers 201 with the token in `X-Subject-Token` (a bosun
 * bearer token, so `X-Auth-Token` works on every bosun API) and a catalog whose `physicalprovisioner`
 * service is this daemon's `/api/v1.0`, on every interface.
 */
export function keystoneRoutes(auth: Authenticator, tokens: TokenService): Router<AppState> {
  const router = new Router<AppState>({ prefix: '/v3' });
  router.use(keystoneErrors);

  router.post('/auth/tokens', parseAuthBody, async (ctx: AppContext) => {
    const parsed = authSchema.safeParse(ctx.request.body);
    if (!parsed.success)
      throw new KeystoneError(
        400,
        `Invalid request body: ${parsed.error.issues[0].path.join('.')}: ${parsed.error.issues[0].message}`,
      );
    const identity = parsed.data.auth.identity;
    let user: User | null = null;
    let method: string;
    if (identity.methods.includes('password') && identity.password) {
      method = 'password';
      const u = identity.password.user;
      const who = await auth.checkPassword(u.name ?? u.id ?? '', u.password, ctx.ip);
      if (who.kind === 'limited') {
        ctx.set('Retry-After', String(who.retryAfterSeconds));
        throw new KeystoneError(429, 'Too many failed logins; try again later');
      }
      user = who.kind === 'user' ? who.user : null;
    } else if (identity.methods.includes('token') && identity.token) {
      method = 'token';
      user = await tokens.verify(identity.token.id);
    } else {
      throw new KeystoneError(400, 'Only the password and token methods are supported');
    }
    if (!user) throw new KeystoneError(401, 'The request you have made requires authentication.');
    const issued = await tokens.issueAccess(user);
    const now = new Date();
    const url = `${ctx.protocol}://${ctx.host}/api/v1.0`;
    ctx.status = 201;
    ctx.set('X-Subject-Token', issued.jwt);
    ctx.body = {
      token: {
        methods: [method],
        user: { domain: DOMAIN, id: user.name, name: user.name, password_expires_at: null },
        audit_ids: [crypto.randomBytes(16).toString('base64url').slice(0, 22)],
        issued_at: now.toISOString(),
        expires_at: new Date(now.getTime() + issued.duration * 1000).toISOString(),
        project: { domain: DOMAIN, id: 'bosun', name: 'bosun' },
        is_domain: false,
        roles: user.scopes.map((s) => ({ id: s, name: s === 'bosh.admin' ? 'admin' : 'reader' })),
        catalog: [
          {
            id: 'drydock',
            type: 'physicalprovisioner',
            name: 'drydock',
            endpoints: ['internal', 'public', 'admin'].map((iface) => ({
              id: `drydock-${iface}`,
              interface: iface,
              region: 'RegionOne',
              region_id: 'RegionOne',
              url,
            })),
          },
        ],
      },
    };
  });
  return router;
}
