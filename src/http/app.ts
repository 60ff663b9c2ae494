import Koa from 'koa';
import type Router from '@koa/router';
import type { Authenticator } from '../auth/authenticator';
import type { Logger } from '../logger';
import type { AuthRealm } from './auth/auth-realm';
import { authenticateRequests } from './auth/authenticate-requests';
import type { AppState } from './context';
import { directorRealm } from './director/director-auth';
import { measureRequests, RequestObserver } from './middleware/measure-requests';
import { requestLogger } from './middleware/request-logger';

export interface AppDeps {
  auth: Authenticator;
  /** How each family's paths are guarded; every path none claims is the Director's (directorRealm). */
  realms: AuthRealm[];
  log: Logger;
  /** Every family's routers, in order; each renders its own errors. */
  routers: Array<Router<AppState>>;
  /** Told of every request's duration (the daemon's metrics). */
  observeRequest?: RequestObserver;
}

/** The HTTP API: request logging, the one authentication gate, then each family's routes with its own errors. */
export function createApp(deps: AppDeps): Koa<AppState> {
  const app = new Koa<AppState>();
  app.proxy = false;
  app.silent = true;
  app.use(requestLogger(deps.log));
  if (deps.observeRequest) app.use(measureRequests(deps.observeRequest));
  app.use(authenticateRequests(deps.auth, deps.realms, directorRealm));

  for (const router of deps.routers) app.use(router.routes()).use(router.allowedMethods());

  app.use(function endpointNotFound(ctx) {
    ctx.status = 404;
    ctx.type = 'text/plain';
    ctx.body = `Endpoint '${ctx.path}' not found.`;
  });
  return app;
}
