import type { Next } from 'koa';
import { canRead, isAdmin, UserStore } from '../../auth/user-store';
import type { AppContext } from '../../http/context';
import { requireUser } from '../../http/middleware/basic-auth';
import { renderSchedulerError, SchedulerError } from './scheduler-errors';

/** Basic auth for the scheduler API; failures in CipherTrust's error shape. */
export function schedulerAuth(users: UserStore) {
  return requireUser(users, (ctx) => {
    ctx.set('WWW-Authenticate', 'Basic realm="bosun"');
    renderSchedulerError(ctx, 401, 'NCERRUnauthorized', 'valid credentials are required');
  });
}

export async function schedulerReader(ctx: AppContext, next: Next) {
  if (!canRead(ctx.state.user!)) throw new SchedulerError(403, 'NCERRForbidden', 'requires the scope bosh.read or bosh.admin');
  await next();
}

export async function schedulerAdmin(ctx: AppContext, next: Next) {
  if (!isAdmin(ctx.state.user!)) throw new SchedulerError(403, 'NCERRForbidden', 'requires the scope bosh.admin');
  await next();
}
