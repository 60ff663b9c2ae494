import type { Next } from 'koa';
import { isAdmin, canRead } from '../../auth/user-store';
import type { AuthRealm } from '../../http/auth/auth-realm';
import { answerTooMany } from '../../http/auth/authenticate-requests';
import type { AppContext } from '../../http/context';
import { GostintError } from './container-jobs-errors';

/** The job API's authentication; failures in GoStint's error shape. */
export const gostintRealm: AuthRealm = {
  name: 'gostint',
  prefixes: ['/v1/api/job'],
  unauthorized(ctx) {
    ctx.status = 401;
    ctx.set('WWW-Authenticate', 'Basic realm="bosun"');
    ctx.body = { status: 'Unauthorized.', error: 'valid credentials are required' };
  },
  forbidden(ctx, scopes) {
    ctx.status = 403;
    ctx.body = { status: 'Forbidden.', error: `requires the scope ${scopes.join(' or ')}` };
  },
  tooManyAttempts: (ctx, retryAfter) =>
    answerTooMany(ctx, retryAfter, { status: 'Too Many Requests.', error: 'too many failed logins; try again later' }),
};

export async function containerJobReader(ctx: AppContext, next: Next) {
  if (!canRead(ctx.state.user!))
    throw new GostintError(403, 'Forbidden.', 'requires the scope bosh.read or bosh.admin');
  await next();
}

export async function containerJobAdmin(ctx: AppContext, next: Next) {
  if (!isAdmin(ctx.state.user!)) throw new GostintError(403, 'Forbidden.', 'requires the scope bosh.admin');
  await next();
}
