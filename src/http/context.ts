import type { ParameterizedContext } from 'koa';
import type { User } from '../auth/user-store';
import type { Logger } from '../logger';

/** What the middleware puts on `ctx.state` for the handlers. */
export interface AppState {
  requestId: string;
  log: Logger;
  user: User | null;
}

/**
 * A handler's context. `params` are the route's path parameters, typed as @koa/router types them (Koa's own type
 * would leave them `any`); only route handlers read them.
 */
export type AppContext = ParameterizedContext<AppState, { params: Record<string, string> }>;
