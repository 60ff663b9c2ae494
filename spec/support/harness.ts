import type Koa from 'koa';
import supertest from 'supertest';
import type Router from '@koa/router';
import { hashPassword } from '../../src/auth/password-hash';
import { Authenticator } from '../../src/auth/authenticator';
import { LoginLimiter } from '../../src/auth/login-limiter';
import { TokenService } from '../../src/auth/token-service';
import { UserStore } from '../../src/auth/user-store';
import type { Backend, Database } from '../../src/db/database';
import { createApp } from '../../src/http/app';
import type { AppState } from '../../src/http/context';
import { tokenRoutes } from '../../src/http/auth/token-routes';
import { tokensRealm } from '../../src/http/ciphertrust/ciphertrust-realm';
import { credhubRealm } from '../../src/families/secrets/credhub-auth';
import { gostintRealm } from '../../src/families/container-jobs/container-jobs-auth';
import { TaskService } from '../../src/tasks/task-service';
import { verboseTaskTypes } from '../../src/tasks/task-types';
import type { Family } from '../../src/families/family';
import { resetDatabase, silentLog, testDatabase } from './databases';

export const ADMIN = { name: 'admin', password: 'admin-secret' };
export const READER = { name: 'reader', password: 'reader-secret' };

export const users = new UserStore([
  { name: ADMIN.name, scopes: ['bosh.admin'], passwordHash: hashPassword(ADMIN.password) },
  { name: READER.name, scopes: ['bosh.read'], passwordHash: hashPassword(READER.password) },
]);

export interface Harness {
  backend: Backend;
  /** The families built by `withFamilies`, for their operations. */
  families: Family[];
  db: Database;
  tasks: TaskService;
  /** The app's authentication (its failure limits are the daemon's defaults). */
  auth: Authenticator;
  tokens: TokenService;
  /** The app itself, for specs that send raw requests (paths no client library would send as written). */
  app: Koa<AppState>;
  /** supertest against the app's callback (no port, no TLS). */
  api: ReturnType<typeof supertest>;
}

/**
 * Runs `fn`'s tests once per backend (embedded PGlite and PostgreSQL), each with emptied tables and an
 * app built as the daemon builds it.
 */
export function describeOnBothBackends(
  title: string,
  fn: (h: Harness) => void,
  opts: { families?: (h: Harness) => Array<Router<AppState>>; withFamilies?: (h: Harness) => Family[] } = {},
): void {
  for (const backend of ['embedded', 'postgres'] as Backend[]) {
    describe(`${title} [${backend}]`, function () {
      const h = { backend } as Harness;
      before(async function () {
        h.db = await testDatabase(backend);
        h.tasks = new TaskService(h.db);
        h.families = opts.withFamilies?.(h) ?? [];
        h.tokens = await TokenService.open(h.db.knex, users, { accessSeconds: 300, refreshSeconds: 3600 });
        h.auth = new Authenticator(users, new LoginLimiter({ perSource: 20, perUser: 50, windowSeconds: 60 }), h.tokens);
        const app = createApp({
          identity: { name: 'bosun-test', uuid: '00000000-0000-4000-8000-000000000000' },
          auth: h.auth,
          realms: [tokensRealm, credhubRealm, gostintRealm, ...h.families.flatMap((f) => f.realms ?? [])],
          tasks: h.tasks,
          log: silentLog,
          retentionPerType: 3,
          verboseTaskTypes: verboseTaskTypes(h.families.flatMap((f) => f.verboseTaskTypes ?? [])),
          families: [tokenRoutes(h.auth, h.tokens), ...(opts.families?.(h) ?? []), ...h.families.flatMap((f) => f.routers)],
        });
        h.app = app;
        h.api = supertest(app.callback());
      });
      beforeEach(async function () {
        await resetDatabase(h.db);
      });
      fn(h);
    });
  }
}
