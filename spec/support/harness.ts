import crypto from 'node:crypto';
import type Koa from 'koa';
import supertest from 'supertest';
import { hashPassword } from '../../src/auth/password-hash';
import { Authenticator } from '../../src/auth/authenticator';
import { LoginLimiter } from '../../src/auth/login-limiter';
import { TokenService } from '../../src/auth/token-service';
import { UserStore } from '../../src/auth/user-store';
import { Config, loadConfig } from '../../src/config/load-config';
import type { Backend, Database } from '../../src/db/database';
import { connectDockerEngine } from '../../src/docker/docker-engine';
import { createApp } from '../../src/http/app';
import type { AppState } from '../../src/http/context';
import { tokenRoutes } from '../../src/http/auth/token-routes';
import { tokensRealm } from '../../src/http/ciphertrust/ciphertrust-realm';
import { credhubRealm } from '../../src/families/secrets/credhub-auth';
import { gostintRealm } from '../../src/families/container-jobs/container-jobs-auth';
import { directorTasksFamily } from '../../src/families/director-tasks/family';
import { SecretStore } from '../../src/secrets/secret-store';
import { TaskService } from '../../src/tasks/task-service';
import { Family, FamilyDeps, verboseTaskTypesOf } from '../../src/families/family';
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
  opts: { withFamilies?: (h: Harness) => Family[] } = {},
): void {
  for (const backend of ['embedded', 'postgres'] as Backend[]) {
    describe(`${title} [${backend}]`, function () {
      const h = { backend } as Harness;
      before(async function () {
        h.db = await testDatabase(backend);
        h.tasks = new TaskService(h.db);
        h.tokens = await TokenService.open(h.db.knex, users, { accessSeconds: 300, refreshSeconds: 3600 });
        h.auth = new Authenticator(
          users,
          new LoginLimiter({ perSource: 20, perUser: 50, windowSeconds: 60 }),
          h.tokens,
        );
        // The Director's task routes are every app's, as in the daemon; the spec's own families come first.
        const core = directorTasksFamily(
          familyDeps(h, { config: directorConfig, verboseTaskTypes: () => verboseTaskTypesOf(h.families) }),
        );
        h.families = [...(opts.withFamilies?.(h) ?? []), core];
        const app = createApp({
          auth: h.auth,
          realms: [...new Set([tokensRealm, credhubRealm, gostintRealm, ...h.families.flatMap((f) => f.realms ?? [])])],
          log: silentLog,
          routers: [tokenRoutes(h.auth, h.tokens), ...h.families.flatMap((f) => f.routers)],
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

/** The Director task routes' configuration in specs: named bosun-test, keeping 3 finished tasks per type. */
const directorConfig: Config = (() => {
  const base = loadConfig({ env: { BOSUN_NODE_ID: 'node-a' } });
  return { ...base, name: 'bosun-test', tasks: { ...base.tasks, retention_per_type: 3 } };
})();

/**
 * What the daemon hands a family, for a spec's harness: the defaults as node `node-a`, the local Docker engine and a secret store with a
 * key of the run's own, unless the spec gives its own.
 */
export function familyDeps(h: Harness, opts: Partial<FamilyDeps> & { nodeId?: string } = {}): FamilyDeps {
  const { nodeId, ...given } = opts;
  return {
    config: loadConfig({ env: { BOSUN_NODE_ID: nodeId ?? 'node-a' } }),
    db: h.db,
    tasks: h.tasks,
    users,
    log: silentLog,
    docker: connectDockerEngine(),
    secrets: new SecretStore(h.db.knex, crypto.randomBytes(32)),
    ...given,
  };
}
