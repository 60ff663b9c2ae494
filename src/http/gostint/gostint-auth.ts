import type { Next } from 'koa';
import { isAdmin, canRead, UserStore } from '../../auth/user-store';
import type { AppContext } from '../context';
import { requireUser } from '../middleware/basic-auth';
import { GostintError } from './gostint-errors';

/** Basic auth for the job API; failures in GoStint's error shape. */
export function gostintAuth(users: UserStore) {
  return requireUser(users, (ctx) => {
    ctx.status = 401;
    ctx.set('WWW-Authenticate', 'Basic realm="bosun"');
    ctx.body = { status: 'Unauthorized.', error: 'valid credentials are required' };
  });
}

export async function jobReader(ctx: AppContext, next: Next) {
  if (!canRead(ctx.state.user!)) throw new GostintError(403, 'Forbidden.', 'requires the scope bosh.read or bosh.admin');
  await next();
}

export async function jobAdmin(ctx: AppContext, next: Next) {
  if (!isAdmin(ctx.state.user!)) throw new GostintError(403, 'Forbidden.', 'requires the scope bosh.admin');
  await next();
}
