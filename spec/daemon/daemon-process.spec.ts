import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { expect } from 'chai';
import knexFactory from 'knex';
import { DaemonProcess, request, spawnDaemon } from '../support/daemon-process';
import { SECOND_TEST_DATABASE_URL } from '../support/test-env';

const SECOND_DB = SECOND_TEST_DATABASE_URL;
const basic = (password: string) => `Basic ${Buffer.from(`admin:${password}`).toString('base64')}`;

async function emptyDatabase(url: string): Promise<void> {
  const knex = knexFactory({ client: 'pg', connection: url });
  await knex.raw('drop schema public cascade; create schema public');
  await knex.destroy();
}

for (const backend of ['embedded', 'postgres'] as const) {
  describe(`the bosun process [${backend}]`, function () {
    this.timeout(90_000);
    let dataDir: string;
    let env: Record<string, string>;
    let daemon: DaemonProcess | null = null;
    const ca = () => path.join(dataDir, 'tls', 'ca.pem');

    beforeEach(async () => {
      dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'bosun-daemon-'));
      env = { BOSUN_DATA_DIR: dataDir, BOSUN_WORKERS: '1', BOSUN_NODE_ID: 'spec-node' };
      if (backend === 'postgres') {
        await emptyDatabase(SECOND_DB);
        env.BOSUN_DATABASE_URL = SECOND_DB;
      }
    });

    afterEach(async () => {
      if (daemon && daemon.child.exitCode === null && daemon.child.signalCode === null) {
        daemon.child.kill('SIGKILL');
        await daemon.exited;
      }
      daemon = null;
      fs.rmSync(dataDir, { recursive: true, force: true });
    });

    it('serves HTTPS with a generated CA, prints a generated admin password once, and logs JSON without secrets', async () => {
      daemon = await spawnDaemon(env);
      if (backend === 'embedded') {
        // The new database was created by a process of its own: the daemon does not keep initdb's memory (850 MB).
        expect(fs.existsSync(path.join(dataDir, 'db', 'PG_VERSION'))).to.equal(true);
        const rssMb =
          Number(/VmHWM:\s+(\d+) kB/.exec(fs.readFileSync(`/proc/${daemon.child.pid}/status`, 'utf8'))![1]) / 1024;
        expect(rssMb).to.be.below(650);
      }
      const m = /Generated password for user 'admin': (\S+)/.exec(daemon.stderr());
      expect(m, daemon.stderr()).to.not.equal(null);
      expect(daemon.stderr()).to.contain(`CA certificate: ${ca()}`);
      const info = await request(daemon.port, ca(), 'GET', '/info', { auth: basic(m![1]) });
      expect(info.status).to.equal(200);
      expect(JSON.parse(info.text).user).to.equal('admin');
      await request(daemon.port, ca(), 'GET', '/tasks', { auth: basic('wrong') });
      // pino writes asynchronously: wait for both request lines.
      const requestLines = () =>
        daemon!
          .stdout()
          .trim()
          .split('\n')
          .map((l) => JSON.parse(l))
          .filter((l) => l.msg === 'request');
      for (let i = 0; i < 100 && requestLines().length < 2; i++) await new Promise((r) => setTimeout(r, 50));
      const requests = requestLines();
      expect(requests.length).to.be.at.least(2);
      expect(requests.map((r) => r.status)).to.include.members([200, 401]);
      for (const r of requests) expect(r.reqId).to.be.a('string');
      expect(daemon.stdout()).to.not.contain(m![1]);
      expect(daemon.stdout()).to.not.contain('Basic ');
      daemon.child.kill('SIGTERM');
      expect((await daemon.exited).code).to.equal(0);

      daemon = await spawnDaemon(env);
      expect(daemon.stderr()).to.not.contain('Generated password');
      const again = await request(daemon.port, ca(), 'GET', '/tasks', { auth: basic(m![1]) });
      expect(again.status).to.equal(200);
    });

    it('refuses to start on invalid configuration, listing every problem', async () => {
      let error: Error | null = null;
      try {
        await spawnDaemon({ ...env, BOSUN_PORT: 'x', BOSUN_WORKERS: '0' });
      } catch (e) {
        error = e as Error;
      }
      expect(error?.message).to.contain('Invalid configuration');
      expect(error?.message).to.contain('BOSUN_PORT');
      expect(error?.message).to.contain('workers');
    });

    it('drains on SIGTERM: the running task finishes, then the process exits 0', async () => {
      daemon = await spawnDaemon({ ...env, BOSUN_ADMIN_PASSWORD: 'pw' });
      const start = await request(daemon.port, ca(), 'POST', '/test/sleep?ms=1500', { auth: basic('pw') });
      expect(start.status).to.equal(302);
      const location = start.headers.location as string;
      for (;;) {
        const t = JSON.parse((await request(daemon.port, ca(), 'GET', location, { auth: basic('pw') })).text);
        if (t.state === 'processing') break;
        await new Promise((r) => setTimeout(r, 50));
      }
      daemon.child.kill('SIGTERM');
      expect(await daemon.exited).to.deep.equal({ code: 0, signal: null });
      daemon = await spawnDaemon({ ...env, BOSUN_ADMIN_PASSWORD: 'pw' });
      const t = JSON.parse((await request(daemon.port, ca(), 'GET', location, { auth: basic('pw') })).text);
      expect(t).to.include({ state: 'done', result: 'ticked for 1500 ms' });
    });

    it('after SIGKILL mid-task and a restart: the task ends timeout with its earlier lines intact, and queued tasks still run', async () => {
      daemon = await spawnDaemon({ ...env, BOSUN_ADMIN_PASSWORD: 'pw' });
      const auth = basic('pw');
      const long = (await request(daemon.port, ca(), 'POST', '/test/sleep?ms=60000', { auth })).headers
        .location as string;
      const queued = (await request(daemon.port, ca(), 'POST', '/test/sleep?ms=100', { auth })).headers
        .location as string;
      let debugBefore = '';
      while (!debugBefore.includes('tick 3')) {
        debugBefore = (await request(daemon.port, ca(), 'GET', `${long}/output?type=debug`, { auth })).text;
        await new Promise((r) => setTimeout(r, 50));
      }
      const eventsBefore = (await request(daemon.port, ca(), 'GET', `${long}/output?type=event`, { auth })).text;
      daemon.child.kill('SIGKILL');
      await daemon.exited;

      daemon = await spawnDaemon({ ...env, BOSUN_ADMIN_PASSWORD: 'pw' });
      const task = JSON.parse((await request(daemon.port, ca(), 'GET', long, { auth })).text);
      expect(task.state).to.equal('timeout');
      const debugAfter = (await request(daemon.port, ca(), 'GET', `${long}/output?type=debug`, { auth })).text;
      expect(debugAfter.startsWith(debugBefore)).to.equal(true);
      const eventsAfter = (await request(daemon.port, ca(), 'GET', `${long}/output?type=event`, { auth })).text;
      expect(eventsAfter.startsWith(eventsBefore)).to.equal(true);
      expect(JSON.parse(eventsAfter.trim().split('\n').pop()!).error.message).to.match(/restarted while running it/);
      for (;;) {
        const t = JSON.parse((await request(daemon.port, ca(), 'GET', queued, { auth })).text);
        if (t.state === 'done') break;
        expect(t.state).to.be.oneOf(['queued', 'processing']);
        await new Promise((r) => setTimeout(r, 50));
      }
    });

    it('keeps its data directory private: an existing one with loose modes is tightened, and nothing it writes is group or other accessible', async () => {
      fs.chmodSync(dataDir, 0o755);
      fs.mkdirSync(path.join(dataDir, 'old'), { mode: 0o777 });
      fs.chmodSync(path.join(dataDir, 'old'), 0o777);
      fs.writeFileSync(path.join(dataDir, 'old', 'notes'), 'x');
      fs.chmodSync(path.join(dataDir, 'old', 'notes'), 0o666);
      daemon = await spawnDaemon({ ...env, BOSUN_ADMIN_PASSWORD: 'pw' });
      const set = await request(daemon.port, ca(), 'PUT', '/api/v1/data', {
        auth: basic('pw'),
        headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify({ name: '/private', type: 'value', value: 'v' }),
      });
      expect(set.status).to.equal(200);
      const walk = (p: string, out: { open: string[]; openDirs: string[]; files: number }) => {
        const st = fs.lstatSync(p);
        if (st.isFile()) out.files++;
        if (st.mode & 0o077) (st.isDirectory() ? out.openDirs : out.open).push(`${p} ${(st.mode & 0o777).toString(8)}`);
        if (st.isDirectory()) for (const name of fs.readdirSync(p)) walk(path.join(p, name), out);
        return out;
      };
      // Running: no directory can be entered by another user (PGlite chmods files it creates to 0666).
      const running = walk(dataDir, { open: [], openDirs: [], files: 0 });
      expect(running.openDirs).to.deep.equal([]);
      expect(fs.statSync(path.join(dataDir, 'secrets.key')).mode & 0o777).to.equal(0o600);
      expect(fs.statSync(path.join(dataDir, 'tls', 'server-key.pem')).mode & 0o777).to.equal(0o600);
      daemon.child.kill('SIGTERM');
      expect((await daemon.exited).code).to.equal(0);
      // Stopped: nothing at all is group or other accessible.
      const stopped = walk(dataDir, { open: [], openDirs: [], files: 0 });
      expect(stopped.open).to.deep.equal([]);
      expect(stopped.openDirs).to.deep.equal([]);
      if (backend === 'embedded') expect(stopped.files).to.be.above(100);
    });

    if (backend === 'postgres') {
      it('refuses to start while another live node has its node id, and starts once that node is gone', async () => {
        daemon = await spawnDaemon({ ...env, BOSUN_ADMIN_PASSWORD: 'pw' });
        const otherDir = fs.mkdtempSync(path.join(os.tmpdir(), 'bosun-daemon-'));
        try {
          let error: Error | null = null;
          try {
            await spawnDaemon({ ...env, BOSUN_DATA_DIR: otherDir, BOSUN_ADMIN_PASSWORD: 'pw' });
          } catch (e) {
            error = e as Error;
          }
          expect(error?.message).to.contain('Invalid configuration');
          expect(error?.message).to.match(
            /node_id: 'spec-node' is in use by a live node \(host .+, pid \d+, last seen/,
          );
          // The first node was left alone.
          expect((await request(daemon.port, ca(), 'GET', '/info')).status).to.equal(200);
          daemon.child.kill('SIGKILL');
          await daemon.exited;
          // Its heartbeat is fresh, but its process is gone: a node with its id starts at once.
          daemon = await spawnDaemon({ ...env, BOSUN_DATA_DIR: otherDir, BOSUN_ADMIN_PASSWORD: 'pw' });
          expect((await request(daemon.port, path.join(otherDir, 'tls', 'ca.pem'), 'GET', '/info')).status).to.equal(
            200,
          );
          daemon.child.kill('SIGTERM');
          expect((await daemon.exited).code).to.equal(0);
        } finally {
          fs.rmSync(otherDir, { recursive: true, force: true });
        }
      });
    }
  });
}
