import type { AuthRealm } from '../auth/auth-realm';
import { answerTooMany } from '../auth/authenticate-requests';

/**
 * The operators' endpoints: `/healthz` and `/readyz` for load balancers, public and saying nothing but
 * ok or not; `/metrics` for Prometheus, which needs credentials with `bosun.metrics` (a scraper's own
 * user, which reads nothing else) or a Director scope (its series name task types and queues). Answers
 * are plain text, as Prometheus and load balancers expect.
 */
export const opsRealm: AuthRealm = {
  name: 'ops',
  prefixes: ['/healthz', '/readyz', '/metrics'],
  publicRoutes: [
    { methods: ['GET', 'HEAD'], path: '/healthz' },
    { methods: ['GET', 'HEAD'], path: '/readyz' },
  ],
  access: () => 'metrics',
  decorate: (ctx) => ctx.set('WWW-Authenticate', 'Basic realm="bosun"'),
  unauthorized(ctx) {
    ctx.status = 401;
    ctx.type = 'text/plain';
    ctx.body = 'Unauthorized\n';
  },
  forbidden(ctx) {
    ctx.status = 403;
    ctx.type = 'text/plain';
    ctx.body = 'Forbidden: needs the scope bosun.metrics, bosh.read or bosh.admin\n';
  },
  tooManyAttempts: (ctx, retryAfter) => answerTooMany(ctx, retryAfter, 'Too many failed logins; try again later\n'),
};
