import crypto from 'node:crypto';
import type { Next } from 'koa';
import type { Logger } from '../../logger';
import type { AppContext, AppState } from '../context';

const CLIENT_REQUEST_ID = /^[\w.:-]{1,64}$/;

/** Gives each request an id (echoed as X-Request-Id) and a child logger; logs one line when it ends. */
export function requestLogger(root: Logger) {
  return async function logRequest(ctx: AppContext, next: Next) {
    const started = process.hrtime.bigint();
    const given = ctx.get('X-Request-Id');
    const requestId = CLIENT_REQUEST_ID.test(given) ? given : crypto.randomUUID();
    ctx.state.requestId = requestId;
    ctx.state.log = root.child({ reqId: requestId });
    // Typed as it is declared, not narrowed to null: authentication sets it while `next()` runs.
    ctx.state.user = null as AppState['user'];
    ctx.set('X-Request-Id', requestId);
    try {
      await next();
    } finally {
      const ms = Number(process.hrtime.bigint() - started) / 1e6;
      ctx.state.log.info(
        {
          method: ctx.method,
          path: ctx.path,
          status: ctx.status,
          ms: Math.round(ms * 10) / 10,
          user: ctx.state.user?.name,
        },
        'request',
      );
    }
  };
}
