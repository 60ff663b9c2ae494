import type { Next } from 'koa';
import type { AppContext } from '../context';

/** Where a request's duration goes: its method, the route it matched (or `unmatched`), its status. */
export type RequestObserver = (method: string, route: string, status: number, seconds: number) => void;

/** Times each request, by the route pattern it matched (never the raw path: ids would make series without end). */
export function measureRequests(observe: RequestObserver) {
  return async function measureRequest(ctx: AppContext, next: Next) {
    const started = process.hrtime.bigint();
    try {
      await next();
    } finally {
      const route = (ctx as { _matchedRoute?: string | RegExp })._matchedRoute;
      const seconds = Number(process.hrtime.bigint() - started) / 1e9;
      observe(ctx.method, typeof route === 'string' ? route : 'unmatched', ctx.status, seconds);
    }
  };
}
