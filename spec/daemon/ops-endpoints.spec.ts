import { execFileSync, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { expect } from 'chai';
import knexFactory from 'knex';
import Koa from 'koa';
import supertest from 'supertest';
import { opsRoutes } from '../../src/http/ops/ops-routes';
import type { AppState } from '../../src/http/context';
import { roleOf } from '../../src/metrics/daemon-metrics';
import { Registry } from 'prom-client';
import { DaemonProcess, request, spawnDaemon } from '../support/daemon-process';
import { silentLog } from '../support/databases';
import { SECOND_TEST_DATABASE_URL } from '../support/test-env';

const basic = (name: string, password: string) => `Basic ${Buffer.from(`${name}:${password}`).toString('base64')}`;
const ADMIN = basic('admin', 'ops-admin-password');
const SCRAPER = basic('scraper', 'scraper-password');

/** promtool, from Debian's `prometheus` package (scripts/setup-services.sh installs it). */
function promtool(): string {
  const found = spawnSync('sh', ['-c', 'command -v promtool'], { encoding: 'utf8' }).stdout.trim();
  if (!found)
    throw new Error('promtool is not installed: apt-get install prometheus (scripts/setup-services.sh does it)');
  return found;
}

/** The value of the series `name` whose labels include `labels`; undefined when there is none. */
function valueOf(text: string, name: string, labels: Record<string, string> = {}): number | undefined {
  for (const line of text.split('\n')) {
    const m = /^([a-zA-Z_:][\w:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
    if (!m || m[1] !== name) continue;
    const have = Object.fromEntries([...(m[2] ?? '').matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g)].map((x) => [x[1], x[2]]));
    if (Object.entries(labels).every(([k, v]) => have[k] === v)) return Number(m[3]);
  }
  return undefined;
}

// The daemon needs its Docker engine to start: run this file under the machine's Docker lock.
for (const backend of ['embedded', 'postgres'] as const) {
  describe(`the operators' endpoints of the bosun process [${backend}]`, function () {
    this.timeout(90_000);
    let dataDir: string;
    let daemon: DaemonProcess;
    const ca = () => path.join(dataDir, 'tls', 'ca.pem');
    const get = (urlPath: string, auth?: string) => request(daemon.port, ca(), 'GET', urlPath, { auth });

    before(async () => {
      dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'bosun-ops-'));
      const config = path.join(dataDir, 'ops.yml');
      fs.writeFileSync(
        config,
        'users:\n  - name: scraper\n    password: scraper-password\n    scopes: [bosun.metrics]\n',
      );
      const env: Record<string, string> = {
        BOSUN_DATA_DIR: dataDir,
        BOSUN_CONFIG: config,
        BOSUN_ADMIN_PASSWORD: 'ops-admin-password',
        BOSUN_NODE_ID: 'ops-node',
        BOSUN_WORKERS: '2',
      };
      if (backend === 'postgres') {
        const knex = knexFactory({ client: 'pg', connection: SECOND_TEST_DATABASE_URL });
        await knex.raw('drop schema public cascade; create schema public');
        await knex.destroy();
        env.BOSUN_DATABASE_URL = SECOND_TEST_DATABASE_URL;
      }
      daemon = await spawnDaemon(env);
    });

    after(async () => {
      daemon?.child.kill('SIGTERM');
      await daemon?.exited;
      fs.rmSync(dataDir, { recursive: true, force: true });
    });

    it('answer /healthz and /readyz without credentials, saying nothing but ok', async () => {
      const health = await get('/healthz');
      expect([health.status, health.text]).to.deep.equal([200, 'ok\n']);
      const ready = await get('/readyz');
      expect([ready.status, ready.text]).to.deep.equal([200, 'ready\n']);
      expect(ready.headers['content-type']).to.match(/^text\/plain/);
      // Other spellings are no way around the rules of the paths they reach.
      expect((await get('/metrics')).status).to.equal(401);
      expect((await get('//Metrics/')).status).to.equal(401);
    });

    it('serve /metrics to a scraper with bosun.metrics alone, who can read nothing else', async () => {
      const res = await get('/metrics', SCRAPER);
      expect(res.status).to.equal(200);
      expect(res.headers['content-type']).to.match(/^text\/plain; version=0\.0\.4/);
      expect((await get('/tasks', SCRAPER)).status).to.equal(401);
      expect((await get('/metrics', ADMIN)).status).to.equal(200);
      expect((await get('/metrics', basic('scraper', 'wrong'))).status).to.equal(401);
    });

    it('give metrics that promtool accepts, whose values move as a task runs', async () => {
      const before = (await get('/metrics', SCRAPER)).text;
      execFileSync(promtool(), ['check', 'metrics'], { input: before });
      const started = await request(daemon.port, ca(), 'POST', '/test/sleep?ms=300', { auth: ADMIN });
      expect(started.status).to.equal(302);
      const id = /\/tasks\/(\d+)$/.exec(String(started.headers.location))![1];
      const deadline = Date.now() + 30_000;
      while (JSON.parse((await get(`/tasks/${id}`, ADMIN)).text).state !== 'done') {
        if (Date.now() > deadline) throw new Error(`task ${id} did not end`);
        await new Promise((r) => setTimeout(r, 100));
      }
      const after = (await get('/metrics', SCRAPER)).text;
      execFileSync(promtool(), ['check', 'metrics'], { input: after });

      const type = { type: 'test_ticking' };
      expect(valueOf(before, 'bosun_tasks', { state: 'done', ...type })).to.equal(undefined);
      expect(valueOf(after, 'bosun_tasks', { state: 'done', ...type })).to.equal(1);
      expect(valueOf(after, 'bosun_tasks_claimed_total', type)).to.equal(1);
      expect(valueOf(after, 'bosun_task_pickup_seconds_count', type)).to.equal(1);
      expect(valueOf(after, 'bosun_task_run_seconds_count', { ...type, state: 'done' })).to.equal(1);
      expect(valueOf(after, 'bosun_task_run_seconds_sum', { ...type, state: 'done' })).to.be.at.least(0.3);
      const bytes = (t: string) => valueOf(t, 'bosun_task_log_bytes_written_total', { log: 'debug' }) ?? 0;
      expect(bytes(after)).to.be.greaterThan(bytes(before));
      expect(valueOf(after, 'bosun_task_log_bytes_written_total', { log: 'event' })).to.be.greaterThan(0);
      expect(
        valueOf(after, 'bosun_http_request_duration_seconds_count', {
          method: 'POST',
          route: '/test/sleep',
          status: '302',
        }),
      ).to.equal(1);
      expect(
        valueOf(after, 'bosun_http_request_duration_seconds_count', { route: '/tasks/:id', status: '200' }),
      ).to.be.at.least(1);
      expect(valueOf(after, 'bosun_node_alive', { node: 'ops-node' })).to.equal(1);
      expect(valueOf(after, 'bosun_runner_workers', { state: 'idle' })).to.equal(2);
      // The engine answers (the daemon needs it to start); this node made no container.
      expect(valueOf(after, 'bosun_docker_up')).to.equal(1);
      expect(valueOf(after, 'bosun_docker_containers')).to.equal(undefined);
      expect(valueOf(after, 'bosun_log_followers')).to.equal(0);
      if (backend === 'postgres')
        expect(valueOf(after, 'bosun_db_pool_connections', { state: 'used' })).to.be.a('number');
      expect(after).to.match(/^# TYPE bosun_queue_depth gauge$/m);
      expect(after).to.match(/^bosun_process_resident_memory_bytes\{node="ops-node"\} \d+/m);
    });
  });
}

describe('GET /readyz', () => {
  const app = (checks: { database: boolean; migrations: boolean; runner: boolean | 'hangs' }) => {
    const koa = new Koa<AppState>();
    koa.use(
      opsRoutes(
        {
          database: () =>
            checks.runner === 'hangs' ? new Promise<boolean>(() => undefined) : Promise.resolve(checks.database),
          migrationsCurrent: () => Promise.resolve(checks.migrations),
          runnerClaiming: () => checks.runner === true,
        },
        new Registry(),
        silentLog,
      ).routes(),
    );
    return supertest(koa.callback());
  };

  it('answers 503 "not ready" when any check fails, naming none of them', async () => {
    for (const failing of [
      { database: false, migrations: true, runner: true },
      { database: true, migrations: false, runner: true },
      { database: true, migrations: true, runner: false },
    ]) {
      const res = await app(failing).get('/readyz').expect(503);
      expect(res.text).to.equal('not ready\n');
    }
    expect((await app({ database: true, migrations: true, runner: true }).get('/readyz').expect(200)).text).to.equal(
      'ready\n',
    );
  });

  it('counts a check that does not answer as failed', async () => {
    const res = await app({ database: true, migrations: true, runner: 'hangs' }).get('/readyz').expect(503);
    expect(res.text).to.equal('not ready\n');
  });
});

describe('the role of a container in the metrics', () => {
  it('is told by its labels', () => {
    expect(roleOf({ 'bosun.managed': 'true', 'bosun.deployment': 'web', 'bosun.task-id': '3' })).to.equal('instance');
    expect(roleOf({ 'bosun.managed': 'true', 'bosun.kept-by': 'drydock', 'bosun.task-id': '3' })).to.equal(
      'kept:drydock',
    );
    expect(roleOf({ 'bosun.managed': 'true', 'bosun.task-id': '3' })).to.equal('task');
    expect(roleOf({ 'bosun.managed': 'true' })).to.equal('other');
  });
});
