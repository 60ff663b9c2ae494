import Koa from 'koa';
import Router from '@koa/router';
import type { Authenticator } from '../auth/authenticator';
import type { Logger } from '../logger';
import type { TaskService } from '../tasks/task-service';
import type { AuthRealm } from './auth/auth-realm';
import { authenticateRequests } from './auth/authenticate-requests';
import type { AppState } from './context';
import { cleanupRoutes } from '../families/director-tasks/cleanup-routes';
import { directorRealm } from './director/director-auth';
import { directorErrors } from './director/director-errors';
import { DirectorIdentity, infoRoutes } from '../families/director-tasks/info-routes';
import { tasksRoutes } from '../families/director-tasks/tasks-routes';
import { requestLogger } from './middleware/request-logger';

export interface AppDeps {
  identity: DirectorIdentity;
  auth: Authenticator;
  /** How each family other than the Director is guarded; every other path is the Director's. */
  realms: AuthRealm[];
  tasks: TaskService;
  log: Logger;
  retentionPerType: number;
  /** The task types `GET /tasks?verbose=1` lists (task-types.ts: verboseTaskTypes). */
  verboseTaskTypes: readonly string[];
  /** Routers of the other API families, mounted before the Director's own. */
  families?: Array<Router<AppState>>;
}

/** The HTTP API: request logging, the one authentication gate, then each family's routes with its own errors. */
export function createApp(deps: AppDeps): Koa<AppState> {
  const app = new Koa<AppState>();
  app.proxy = false;
  app.silent = true;
  app.use(requestLogger(deps.log));
  app.use(authenticateRequests(deps.auth, deps.realms, directorRealm));

  for (const family of deps.families ?? []) app.use(family.routes()).use(family.allowedMethods());

  const director = new Router<AppState>();
  director.use(directorErrors);
  for (const r of [infoRoutes(deps.identity), tasksRoutes(deps.tasks, deps.verboseTaskTypes), cleanupRoutes(deps.tasks, deps.retentionPerType)]) {
    director.use(r.routes()).use(r.allowedMethods());
  }
  app.use(director.routes()).use(director.allowedMethods());

  app.use(async function endpointNotFound(ctx) {
    ctx.status = 404;
    ctx.type = 'text/plain';
    ctx.body = `Endpoint '${ctx.path}' not found.`;
  });
  return app;
}
