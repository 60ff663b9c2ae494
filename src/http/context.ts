import type { ParameterizedContext } from 'koa';
import type { User } from '../auth/user-store';
import type { Logger } from '../logger';

/** What the middleware puts on `ctx.state` for the handlers. */
export interface AppState {
  requestId: string;
  log: Logger;
  user: User | null;
}

export type AppContext = ParameterizedContext<AppState>;
