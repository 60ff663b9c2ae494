import type { Next } from 'koa';
import { isAdmin, canRead, UserStore } from '../../auth/user-store';
import { scopeRequired } from '../../errors/director-error';
import type { AppContext } from '../context';
import { requireUser } from '../middleware/basic-auth';

/**
 * The Director's authentication: every response carries `WWW-Authenticate`, and missing or bad
 * credentials get 401 with the plain-text body `Not authorized: '<path>'`.
 */
export function directorAuth(users: UserStore) {
  const check = requireUser(users, (ctx) => {
    ctx.status = 401;
    ctx.type = 'text/html';
    ctx.body = `Not authorized: '${ctx.path}'\n`;
  });
  return async function authenticateDirector(ctx: AppContext, next: Next) {
    ctx.set('WWW-Authenticate', 'Basic realm="BOSH Director"');
    await check(ctx, next);
  };
}

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
