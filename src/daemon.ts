import https from 'node:https';
import type { AddressInfo } from 'node:net';
import { Authenticator } from './auth/authenticator';
import { loadUsers } from './auth/load-users';
import { LoginLimiter } from './auth/login-limiter';
import { TokenService } from './auth/token-service';
import { loadTls } from './auth/tls';
import type { Config } from './config/load-config';
import { Database, openDatabase } from './db/database';
import { migrateToLatest, migrationsCurrent } from './db/migrate';
import { makeDataDirPrivate } from './db/private-data-dir';
import { createApp } from './http/app';
import { tokenRoutes } from './http/auth/token-routes';
import { tokensRealm } from './http/ciphertrust/ciphertrust-realm';
import { opsRealm } from './http/ops/ops-realm';
import { opsRoutes } from './http/ops/ops-routes';
import { DaemonMetrics } from './metrics/daemon-metrics';
import type { Logger } from './logger';
import { NodeLease } from './runner/node-lease';
import { OperationRegistry } from './runner/operation';
import { TaskRunner } from './runner/task-runner';
import { TaskService } from './tasks/task-service';
import { connectDockerEngine } from './docker/docker-engine';
import { Family, FamilyDeps, ScheduledOperation, verboseTaskTypesOf } from './families/family';
import { loadSecretsKey, SecretStore } from './secrets/secret-store';

export interface Daemon {
  readonly port: number;
  readonly caPath: string | null;
  readonly db: Database;
  readonly runner: TaskRunner;
  /** Stops claiming, lets running tasks finish within the grace period, closes the API and database. */
  stop(): Promise<void>;
}

export interface DaemonOptions {
  /** Where the generated admin password and the CA path are told to the operator. */
  announce(message: string): void;
  /** The API families (the Director's task routes among them); bosun's are listed in families.ts. */
  families?: Array<(deps: FamilyDeps) => Family>;
}

/** The composition root: configuration → database → users → tasks → runner → HTTPS API. */
export async function startDaemon(config: Config, log: Logger, opts: DaemonOptions): Promise<Daemon> {
  // What bosun writes (keys, certificates, directories) is its user's alone. PGlite, though, chmods each
  // file it creates to 0666 whatever the umask: those are tightened once the schema is migrated and
  // again at stop, and in between sit in 0700 directories no other user can enter.
  process.umask(0o077);
  const tightened = makeDataDirPrivate(config.data_dir);
  if (tightened.length)
    log.warn(
      { dataDir: config.data_dir, paths: tightened.length },
      'data directory was readable by others: group and other permissions removed',
    );
  const db = await openDatabase({
    url: config.database.url,
    dataDir: config.data_dir,
    poolSize: config.database.pool_size,
    log,
  });
  let lease: NodeLease | null = null;
  try {
    const applied = await migrateToLatest(db.knex);
    if (applied.length) log.info({ migrations: applied }, 'database migrated');
    // Before anything acts on this node id (its interrupted tasks, its leftover containers).
    lease = await NodeLease.acquire(db, config.node_id, config.tasks.timeout_seconds, log);
    lease.keepAlive(config.tasks.checkpoint_interval_seconds * 1000);
    makeDataDirPrivate(config.data_dir);
    const users = await loadUsers(config, db.knex, (password) =>
      opts.announce(
        `Generated password for user 'admin': ${password}  (shown once; set BOSUN_ADMIN_PASSWORD to choose one)`,
      ),
    );
    const tokens = await TokenService.open(db.knex, users, {
      accessSeconds: config.auth.token_seconds,
      refreshSeconds: config.auth.refresh_token_seconds,
    });
    const limits = config.auth.failed_logins;
    const auth = new Authenticator(
      users,
      new LoginLimiter({
        perSource: limits.per_source,
        perUser: limits.per_user,
        windowSeconds: limits.window_seconds,
      }),
      tokens,
    );
    const tls = loadTls({ cert: config.tls.cert, key: config.tls.key, dataDir: config.data_dir, bind: config.bind });

    const metrics = new DaemonMetrics(config.node_id);
    const tasks = new TaskService(db, (logName, bytes) => metrics.logBytes(logName, bytes));
    // Services the families share, built once: one Docker client, one secret store.
    const shared = {
      docker: connectDockerEngine(config.docker.socket),
      secrets: new SecretStore(db.knex, loadSecretsKey(config)),
    };
    let schedulable: ScheduledOperation[] = [];
    let verbose: readonly string[] = [];
    const deps: FamilyDeps = {
      ...shared,
      config,
      db,
      tasks,
      users,
      log,
      auth,
      tokens,
      schedulable: () => schedulable,
      verboseTaskTypes: () => verbose,
    };
    const families = (opts.families ?? []).map((make) => make(deps));
    schedulable = families.flatMap((f) => f.schedulable ?? []);
    verbose = verboseTaskTypesOf(families);
    const registry = new OperationRegistry(families.flatMap((f) => f.operations));

    const runner = new TaskRunner(
      db,
      registry,
      {
        nodeId: config.node_id,
        workers: config.workers,
        pollIntervalMs: config.tasks.poll_interval_ms,
        checkpointIntervalMs: config.tasks.checkpoint_interval_seconds * 1000,
        timeoutSeconds: config.tasks.timeout_seconds,
      },
      log.child({ component: 'runner', node: config.node_id }),
      metrics,
    );
    await runner.start();
    tasks.dispatchTo(runner);
    for (const f of families) await f.start?.();

    const liveLease = lease;
    metrics.watch({
      db,
      docker: shared.docker,
      nodeId: config.node_id,
      runner,
      lastHeartbeatAt: () => liveLease.lastHeartbeatAt,
      timeoutSeconds: config.tasks.timeout_seconds,
      followed: () => tasks.followed,
    });
    const readiness = {
      database: async () => (await db.knex.raw('select 1'), true),
      migrationsCurrent: () => migrationsCurrent(db.knex),
      runnerClaiming: () => runner.claiming,
    };
    const app = createApp({
      auth,
      realms: [tokensRealm, opsRealm, ...families.flatMap((f) => f.realms ?? [])],
      log,
      routers: [
        opsRoutes(readiness, metrics.registry, log),
        tokenRoutes(auth, tokens),
        ...families.flatMap((f) => f.routers),
      ],
      observeRequest: (method, route, status, seconds) => metrics.request(method, route, status, seconds),
    });
    const handle = app.callback();
    // Koa's handler answers its own errors (the error boundary, then Koa's onerror): nothing to await here.
    const server = https.createServer({ cert: tls.cert, key: tls.key }, (req, res) => void handle(req, res));
    server.keepAliveTimeout = 5_000;
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(config.port, config.bind, () => resolve());
    });
    const port = (server.address() as AddressInfo).port;
    log.info({ bind: config.bind, port, node: config.node_id, backend: db.backend, ca: tls.caPath }, 'bosun listening');
    if (tls.caPath)
      opts.announce(
        `CA certificate: ${tls.caPath}  (bosh -e https://${config.bind}:${port} --ca-cert ${tls.caPath} env)`,
      );

    let stopping: Promise<void> | null = null;
    return {
      port,
      caPath: tls.caPath,
      db,
      runner,
      stop() {
        stopping ??= (async () => {
          const { unfinished } = await runner.stop(config.shutdown.grace_seconds * 1000);
          if (unfinished.length) log.warn({ tasks: unfinished }, 'tasks still running at exit; they will time out');
          for (const f of families) await f.stop?.();
          await lease!.release().catch((err) => log.warn({ err }, 'giving up the node id failed'));
          await new Promise<void>((resolve) => {
            server.close(() => resolve());
            server.closeAllConnections();
          });
          await db.close();
          makeDataDirPrivate(config.data_dir);
        })();
        return stopping;
      },
    };
  } catch (err) {
    await lease?.release().catch(() => undefined);
    await db.close().catch(() => undefined);
    throw err;
  }
}
