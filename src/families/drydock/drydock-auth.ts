import type { AuthRealm } from '../../http/auth/auth-realm';
import { drydockRequestId, renderDrydockError } from './drydock-errors';

/** A node's own routes: boot data and boot-action reports, authenticated by the node's boot-action key. */
const HOST = '[A-Za-z0-9][A-Za-z0-9._-]{0,254}';
export const NODE_ROUTES = {
  bootdata: new RegExp(`^/api/v1\\.0/bootdata/${HOST}/(files|units)$`),
  bootactionAssets: new RegExp(`^/api/v1\\.0/bootactions/nodes/${HOST}/(files|units)$`),
  bootaction: /^\/api\/v1\.0\/bootactions\/[0-9A-Za-z]{1,64}$/,
};

/**
 * How the gate guards the Drydock API (`/api/v1.0`): users' basic auth, bearer tokens and Keystone's
 * `X-Auth-Token`; failures in Drydock's shape ("Unauthenticated", "Forbidden"). The routes nodes call
 * are public to the gate: they check the node's boot-action key themselves (Drydock does not use
 * Keystone there either). Every answer carries `X-Drydock-Req`.
 */
export const drydockRealm: AuthRealm = {
  name: 'drydock',
  prefixes: ['/api/v1.0'],
  publicRoutes: [
    { methods: ['GET'], path: NODE_ROUTES.bootdata },
    { methods: ['GET'], path: NODE_ROUTES.bootactionAssets },
    { methods: ['POST'], path: NODE_ROUTES.bootaction },
    { methods: ['GET'], path: '/api/v1.0/health' },
  ],
  decorate(ctx) {
    ctx.set('X-Drydock-Req', drydockRequestId(ctx));
  },
  unauthorized(ctx) {
    ctx.set('WWW-Authenticate', 'Keystone uri="/v3", Basic realm="bosun"');
    renderDrydockError(ctx, 401, 'Unauthenticated');
  },
  forbidden: (ctx) => renderDrydockError(ctx, 403, 'Forbidden'),
  tooManyAttempts(ctx, retryAfter) {
    ctx.set('Retry-After', String(retryAfter));
    renderDrydockError(ctx, 429, 'Too many failed logins; try again later', true);
  },
};
