import type { Next } from 'koa';
import { canRead, isAdmin } from '../../auth/user-store';
import type { AuthRealm } from '../../http/auth/auth-realm';
import type { AppContext } from '../../http/context';
import { CiphertrustError, renderCiphertrustError } from '../../http/ciphertrust/ciphertrust-errors';

/** How the app's gate guards the scheduler API: failures in CipherTrust's error shape. */
export const schedulerRealm: AuthRealm = {
  name: 'scheduler',
  prefixes: ['/api/v1/scheduler'],
  unauthorized(ctx) {
    ctx.set('WWW-Authenticate', 'Basic realm="bosun"');
    renderCiphertrustError(ctx, 401, 'valid credentials or a bearer token are required');
  },
  forbidden: (ctx, scopes) => renderCiphertrustError(ctx, 403, `requires the scope ${scopes.join(' or ')}`),
  tooManyAttempts(ctx, retryAfter) {
    ctx.set('Retry-After', String(retryAfter));
    renderCiphertrustError(ctx, 429, 'too many failed logins; try again later');
  },
};

export async function schedulerReader(ctx: AppContext, next: Next) {
  if (!ctx.state.user || !canRead(ctx.state.user))
    throw new CiphertrustError(403, 'requires the scope bosh.read or bosh.admin');
  await next();
}

export async function schedulerAdmin(ctx: AppContext, next: Next) {
  if (!ctx.state.user || !isAdmin(ctx.state.user)) throw new CiphertrustError(403, 'requires the scope bosh.admin');
  await next();
}
