import Koa from 'koa';
import Router from '@koa/router';
import type { UserStore } from '../auth/user-store';
import type { Logger } from '../logger';
import type { TaskService } from '../tasks/task-service';
import type { AppState } from './context';
import { cleanupRoutes } from './director/cleanup-routes';
import { directorAuth } from './director/director-auth';
import { directorErrors } from './director/director-errors';
import { DirectorIdentity, infoRoutes } from './director/info-routes';
import { tasksRoutes } from './director/tasks-routes';
import { requestLogger } from './middleware/request-logger';

export interface AppDeps {
  identity: DirectorIdentity;
  users: UserStore;
  tasks: TaskService;
  log: Logger;
  retentionPerType: number;
  /** The task types `GET /tasks?verbose=1` lists (task-types.ts: verboseTaskTypes). */
  verboseTaskTypes: readonly string[];
  /** Routers of the other API families, mounted before the Director's catch-all authentication. */
  families?: Array<Router<AppState>>;
}

/** The HTTP API: request logging, then each family's routes with its own errors and authentication. */
export function createApp(deps: AppDeps): Koa<AppState> {
  const app = new Koa<AppState>();
  app.proxy = false;
  app.silent = true;
  app.use(requestLogger(deps.log));

  for (const family of deps.families ?? []) app.use(family.routes()).use(family.allowedMethods());

  const director = new Router<AppState>();
  director.use(directorErrors);
  director.use(infoRoutes(deps.identity, deps.users).routes());
  director.use(directorAuth(deps.users));
  for (const r of [tasksRoutes(deps.tasks, deps.verboseTaskTypes), cleanupRoutes(deps.tasks, deps.retentionPerType)]) {
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
