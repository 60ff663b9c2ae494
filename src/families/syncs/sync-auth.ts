import type { AuthRealm } from '../../http/auth/auth-realm';
import { renderSyncError } from './sync-errors';

/** The paths of the sync task API (CTS's, under /v1). */
export const SYNC_PREFIXES = ['/v1/tasks', '/v1/status', '/v1/health', '/v1/modules'];

/** How the app's gate guards the sync task API: reads need bosh.read, writes bosh.admin; failures in CTS's shape. */
export const syncRealm: AuthRealm = {
  name: 'syncs',
  prefixes: SYNC_PREFIXES,
  unauthorized(ctx) {
    ctx.set('WWW-Authenticate', 'Basic realm="bosun"');
    renderSyncError(ctx, 401, 'valid credentials or a bearer token are required');
  },
  forbidden: (ctx, scopes) => renderSyncError(ctx, 403, `requires the scope ${scopes.join(' or ')}`),
  tooManyAttempts(ctx, retryAfter) {
    ctx.set('Retry-After', String(retryAfter));
    renderSyncError(ctx, 429, 'too many failed logins; try again later');
  },
};
