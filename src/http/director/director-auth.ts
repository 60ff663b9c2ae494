import type { Next } from 'koa';
import { isAdmin, canRead } from '../../auth/user-store';
import { scopeRequired } from '../../errors/director-error';
import type { AuthRealm } from '../auth/auth-realm';
import { answerTooMany } from '../auth/authenticate-requests';
import type { AppContext } from '../context';

const escapeHtml = (s: string) =>
  s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c] as string);

/**
 * The Director's authentication, for every path no other family covers: every response carries
 * `WWW-Authenticate`; missing or bad credentials get 401 with the body `Not authorized: '<path>'`
 * (text/html as Sinatra sends it, so the path is HTML-escaped); a missing scope is 401 with code 600000.
 * Only `GET /info` is public: it never answers 401.
 */
export const directorRealm: AuthRealm = {
  name: 'director',
  prefixes: [],
  publicRoutes: [{ methods: ['GET', 'HEAD'], path: '/info' }],
  decorate: (ctx) => ctx.set('WWW-Authenticate', 'Basic realm="BOSH Director"'),
  unauthorized(ctx) {
    ctx.status = 401;
    ctx.type = 'text/html';
    ctx.body = `Not authorized: '${escapeHtml(ctx.path)}'\n`;
  },
  forbidden(ctx, scopes) {
    const err = scopeRequired(scopes);
    ctx.status = err.status;
    ctx.body = { code: err.code, description: err.message };
  },
  tooManyAttempts: (ctx, retryAfter) =>
    answerTooMany(ctx, retryAfter, { code: 600001, description: 'Too many failed logins; try again later' }),
};

/** Director admin only (bosh.admin): every mutating route. */
export async function requireAdmin(ctx: AppContext, next: Next) {
  if (!ctx.state.user || !isAdmin(ctx.state.user)) throw scopeRequired(['bosh.admin']);
  await next();
}

/** Director admin or read (bosh.admin, bosh.read). */
export async function requireRead(ctx: AppContext, next: Next) {
  if (!ctx.state.user || !canRead(ctx.state.user)) throw scopeRequired(['bosh.admin', 'bosh.read']);
  await next();
}
