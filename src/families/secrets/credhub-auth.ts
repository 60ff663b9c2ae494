import type { AuthRealm } from '../../http/auth/auth-realm';
import { answerTooMany } from '../../http/auth/authenticate-requests';

/** The secrets API: admins (bosh.admin) only, for reads too; failures in CredHub's shape. */
export const credhubRealm: AuthRealm = {
  name: 'credhub',
  prefixes: ['/api/v1/data'],
  access: () => 'admin',
  unauthorized(ctx) {
    ctx.status = 401;
    ctx.set('WWW-Authenticate', 'Basic realm="bosun"');
    ctx.body = { error: 'Full authentication is required to access this resource' };
  },
  forbidden(ctx) {
    ctx.status = 403;
    ctx.body = { error: 'The secrets API needs the scope bosh.admin' };
  },
  tooManyAttempts: (ctx, retryAfter) =>
    answerTooMany(ctx, retryAfter, { error: 'Too many failed logins; try again later' }),
};
