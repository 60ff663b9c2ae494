import fs from 'node:fs';
import path from 'node:path';
import zlib from 'node:zlib';
import { expect } from 'chai';
import { pack } from 'tar-stream';
import type { Family } from '../../src/families/family';
import { asAdmin, asReader } from '../support/auth';
import { describeOnBothBackends } from '../support/harness';
import { readLog, startRunner, stopRunners, waitForTask } from '../support/runners';
import { SecretStore } from '../../src/secrets/secret-store';
import { modulesRoot, SECRETS_KEY, testSyncs, WRITER_MODULE } from './support';

const { root, out } = modulesRoot();

/** A tar (gzipped unless `raw`) of entries as tar-stream takes them. */
async function tarball(
  entries: Array<{ name: string; type?: 'file' | 'symlink' | 'link' | 'directory'; linkname?: string; body?: string }>,
  raw = false,
): Promise<Buffer> {
  const p = pack();
  for (const e of entries) {
    if (e.type && e.type !== 'file') p.entry({ name: e.name, type: e.type, linkname: e.linkname });
    else p.entry({ name: e.name, type: 'file' }, e.body ?? '');
  }
  p.finalize();
  const parts: Buffer[] = [];
  for await (const c of p) parts.push(c as Buffer);
  const tar = Buffer.concat(parts);
  return raw ? tar : zlib.gzipSync(tar);
}

describeOnBothBackends(
  'sync tasks: runs are Director tasks running terraform',
  (h) => {
    let syncs: Family;
    const file = (name: string) => path.join(out, `${h.backend}-${name}.json`);
    const written = (name: string) => JSON.parse(fs.readFileSync(file(name), 'utf8'));
    beforeEach(async () => {
      syncs = h.families[0];
      await startRunner(h.db, syncs.operations);
      await h.db.knex('deployments').insert({ name: 'web' });
      await h.db.knex('instances').insert([
        {
          id: '11111111-1111-4111-8111-111111111111',
          deployment: 'web',
          instance_group: 'api',
          idx: 0,
          bootstrap: true,
          container_id: 'c-api-0',
        },
        {
          id: '22222222-2222-4222-8222-222222222222',
          deployment: 'web',
          instance_group: 'db',
          idx: 0,
          state: 'stopped',
        },
      ]);
    });
    afterEach(() => stopRunners());

    const task = (name: string, over: Record<string, unknown> = {}) => ({
      name,
      module: 'writer',
      variables: { out: file(name) },
      condition: { instances: { deployment: 'web' } },
      buffer_period: { enabled: false },
      ...over,
    });
    const create = (body: Record<string, unknown>, query = '') =>
      h.api.post(`/v1/tasks${query}`).set('Authorization', asAdmin).send({ task: body });

    it('POST ?run=now creates the task and answers 302 to its run, which applies the module to the instances', async function () {
      this.timeout(180_000);
      const res = await create(task('now'), '?run=now').expect(302);
      expect(res.headers.location).to.equal(`/tasks/${res.body.task_id}`);
      expect(res.headers['content-type']).to.equal('application/json');
      expect(res.body.task.name).to.equal('now');
      expect(res.body.request_id).to.be.a('string');
      const run = await waitForTask(h.tasks, res.body.task_id, undefined, 60_000);
      expect(run).to.include({ type: 'sync_task_run', state: 'done', queueName: 'sync:now' });
      expect(run.result).to.equal('Apply complete! Resources: 1 added, 0 changed, 0 destroyed.');
      const services = written('now').services;
      expect(Object.keys(services)).to.have.length(2);
      expect(services['11111111-1111-4111-8111-111111111111']).to.deep.include({
        name: 'api',
        node: 'c-api-0',
        status: 'passing',
        address: '127.0.0.1',
        port: 0,
      });
      expect(services['11111111-1111-4111-8111-111111111111'].tags).to.deep.equal(['web', 'api', 'bootstrap']);
      expect(services['22222222-2222-4222-8222-222222222222'].status).to.equal('critical');
      expect(services['22222222-2222-4222-8222-222222222222'].meta).to.include({
        deployment: 'web',
        instance_group: 'db',
        index: '0',
        state: 'stopped',
      });
      const events = await readLog(h.tasks, run.id, 'event');
      for (const step of ['Preparing root module', 'terraform init', 'terraform apply'])
        expect(events).to.include(`"task":"${step}"`);
      const debug = await readLog(h.tasks, run.id, 'debug');
      expect(debug)
        .to.include('terraform apply -auto-approve')
        .and.include('module.now.terraform_data.write: Creation complete');
      const state = await h.db.knex('sync_task_states').where({ sync_task: 'now' }).first();
      expect(JSON.parse(state.state).resources[0].module).to.equal('module.now');
      const status = await h.api.get('/v1/status/tasks/now?include=events').set('Authorization', asReader).expect(200);
      expect(status.body.now).to.include({ status: 'successful', enabled: true });
      expect(status.body.now.services).to.deep.equal(['api', 'db']);
      expect(status.body.now.events).to.have.length(1);
      expect(status.body.now.events[0]).to.include({
        success: true,
        task_name: 'now',
        error: null,
        task_id: run.id,
        trigger: 'now',
      });
      expect(Date.parse(status.body.now.events[0].end_time)).to.be.at.least(
        Date.parse(status.body.now.events[0].start_time),
      );
    });

    it('keeps the state between runs on the database: a second run with the same data changes nothing', async function () {
      this.timeout(180_000);
      const first = await create(task('again'), '?run=now').expect(302);
      await waitForTask(h.tasks, first.body.task_id, undefined, 60_000);
      const second = await h.api
        .patch('/v1/tasks/again?run=now')
        .set('Authorization', asAdmin)
        .send({ enabled: true })
        .expect(302);
      expect(second.body).to.have.keys('request_id', 'task_id');
      const run = await waitForTask(h.tasks, second.body.task_id, undefined, 60_000);
      expect(run.result).to.equal('Apply complete! Resources: 0 added, 0 changed, 0 destroyed.');
    });

    it('?run=inspect answers the plan and stores nothing (POST), or shows a PATCH before it is made', async function () {
      this.timeout(180_000);
      const res = await create(task('inspected'), '?run=inspect').expect(200);
      expect(res.body.inspect.changes_present).to.equal(true);
      expect(res.body.inspect.plan).to.include('Plan: 1 to add, 0 to change, 0 to destroy.');
      expect(await h.db.knex('sync_tasks').select('name')).to.have.length(0);
      expect(fs.existsSync(file('inspected'))).to.equal(false);
      const made = await create(task('inspected'), '?run=now').expect(302);
      await waitForTask(h.tasks, made.body.task_id, undefined, 60_000);
      const same = await h.api
        .patch('/v1/tasks/inspected?run=inspect')
        .set('Authorization', asAdmin)
        .send({ enabled: true })
        .expect(200);
      expect(same.body.inspect.changes_present).to.equal(false);
      expect(same.body.inspect.plan).to.include('No changes.');
      const changed = await h.api
        .patch('/v1/tasks/inspected?run=inspect')
        .set('Authorization', asAdmin)
        .send({ variables: { out: file('inspected'), label: 'new' } })
        .expect(200);
      expect(changed.body.inspect.changes_present).to.equal(true);
      expect(changed.body.inspect.plan).to.include('must be replaced');
      const stored = (await h.api.get('/v1/tasks/inspected').set('Authorization', asReader)).body.task;
      expect(stored.variables).to.deep.equal({ out: file('inspected') });
    });

    it("a failing apply fails its task with terraform's error; status errored, then critical", async function () {
      this.timeout(180_000);
      const first = await create(task('failing', { module: 'failing', variables: {} }), '?run=now').expect(302);
      const run = await waitForTask(h.tasks, first.body.task_id, undefined, 60_000);
      expect(run.state).to.equal('error');
      expect(run.result).to.include('terraform apply exited with code 1');
      expect(await readLog(h.tasks, run.id, 'debug')).to.include('about to fail');
      const s1 = await h.api.get('/v1/status/tasks/failing?include=events').set('Authorization', asReader).expect(200);
      expect(s1.body.failing.status).to.equal('errored');
      expect(s1.body.failing.events[0].success).to.equal(false);
      expect(s1.body.failing.events[0].error.message).to.include('terraform apply exited with code 1');
      const second = await h.api
        .patch('/v1/tasks/failing?run=now')
        .set('Authorization', asAdmin)
        .send({ enabled: true })
        .expect(302);
      await waitForTask(h.tasks, second.body.task_id, undefined, 60_000);
      const s2 = await h.api.get('/v1/status').set('Authorization', asReader).expect(200);
      expect(s2.body.task_summary.status).to.include({ critical: 1 });
    });

    it('runs an uploaded module (stored in the database) and refuses tarballs that leave the module', async function () {
      this.timeout(180_000);
      const good = await tarball([
        { name: 'main.tf', body: WRITER_MODULE },
        { name: 'sub/', type: 'directory' },
        { name: 'sub/link.tf', type: 'symlink', linkname: '../main.tf.txt' },
        { name: 'main.tf.txt', body: '' },
      ]);
      const up = await h.api
        .post('/v1/modules?name=writer-up&version=1.0.0')
        .set('Authorization', asAdmin)
        .set('Content-Type', 'application/gzip')
        .send(good)
        .expect(201);
      expect(up.body.module).to.include({
        name: 'writer-up',
        version: '1.0.0',
        module: 'bosun://modules/writer-up',
        files: 2,
      });
      await h.api
        .post('/v1/modules?name=writer-up&version=1.0.0')
        .set('Authorization', asAdmin)
        .set('Content-Type', 'application/gzip')
        .send(good)
        .expect(400);
      const res = await create(task('uploaded', { module: 'bosun://modules/writer-up' }), '?run=now').expect(302);
      const run = await waitForTask(h.tasks, res.body.task_id, undefined, 60_000);
      expect(run.state).to.equal('done');
      expect(Object.keys(written('uploaded').services)).to.have.length(2);
      await create(task('versioned', { module: 'bosun://modules/writer-up', version: '2.0.0' })).expect(400);

      const bad: Array<[Array<Parameters<typeof tarball>[0][number]>, string]> = [
        [
          [
            { name: 'main.tf', body: 'x' },
            { name: '../evil.tf', body: 'x' },
          ],
          '..',
        ],
        [
          [
            { name: 'main.tf', body: 'x' },
            { name: 'a/../../evil.tf', body: 'x' },
          ],
          '..',
        ],
        [[{ name: '/etc/evil.tf', body: 'x' }], 'absolute'],
        [
          [
            { name: 'main.tf', body: 'x' },
            { name: 'out', type: 'symlink', linkname: '/etc/passwd' },
          ],
          'absolute',
        ],
        [
          [
            { name: 'main.tf', body: 'x' },
            { name: 'sub/out', type: 'symlink', linkname: '../../x' },
          ],
          'out of the module',
        ],
        [
          [
            { name: 'main.tf', body: 'x' },
            { name: 'hard', type: 'link', linkname: '../x' },
          ],
          '..',
        ],
        [[{ name: 'readme.md', body: 'x' }], '.tf'],
      ];
      for (const [entries, problem] of bad) {
        const r = await h.api
          .post('/v1/modules?name=bad')
          .set('Authorization', asAdmin)
          .set('Content-Type', 'application/x-tar')
          .send(await tarball(entries, true));
        expect(r.status, JSON.stringify(entries)).to.equal(400);
        expect(r.body.error.message).to.include(problem);
      }
      await h.api
        .post('/v1/modules?name=bad')
        .set('Authorization', asAdmin)
        .set('Content-Type', 'application/gzip')
        .send(Buffer.from('not a tarball'))
        .expect(400);
      await h.api
        .post('/v1/modules?name=../x')
        .set('Authorization', asAdmin)
        .set('Content-Type', 'application/gzip')
        .send(good)
        .expect(400);
      expect(
        (await h.api.get('/v1/modules').set('Authorization', asReader).expect(200)).body.modules.map(
          (m: { name: string }) => m.name,
        ),
      ).to.deep.equal(['writer-up']);
    });

    it('gives a secrets condition its values as consul_kv, redacted from the task logs', async function () {
      this.timeout(180_000);
      const store = new SecretStore(h.db.knex, Buffer.from(SECRETS_KEY, 'base64'));
      await store.set('/app/db/password', 'value', 'hunter2-very-secret');
      await store.set('/app/db/conf', 'json', { port: 5432 });
      await store.set('/app/dbx', 'value', 'not under the path');
      const res = await create(
        task('kv', { condition: { secrets: { path: '/app/db', recurse: true } } }),
        '?run=now',
      ).expect(302);
      const run = await waitForTask(h.tasks, res.body.task_id, undefined, 60_000);
      expect(run.state).to.equal('done');
      expect(written('kv').consul_kv).to.deep.equal({
        '/app/db/conf': '{"port":5432}',
        '/app/db/password': 'hunter2-very-secret',
      });
      expect(written('kv').services).to.deep.equal({});
      for (const log of ['debug', 'event', 'result'] as const)
        expect(await readLog(h.tasks, run.id, log)).to.not.include('hunter2-very-secret');
    });

    it("offers sync_task_run to the scheduler: it queues the same run in the task's queue", async function () {
      this.timeout(180_000);
      await create(task('scheduled')).expect(201);
      const op = syncs.schedulable!.find((o) => o.name === 'sync_task_run')!;
      expect(op.params.safeParse({ task: 'scheduled' }).success).to.equal(true);
      expect(op.params.safeParse({ task: 'scheduled', x: 1 }).success).to.equal(false);
      const planned = await op.plan({ task: 'scheduled' }, { username: 'admin', pinnedNodeId: null });
      const t = await h.tasks.enqueue(planned.task, planned.withRows);
      const run = await waitForTask(h.tasks, t.id, undefined, 60_000);
      expect(run).to.include({ state: 'done', queueName: 'sync:scheduled', username: 'admin' });
      const status = await h.api
        .get('/v1/status/tasks/scheduled?include=events')
        .set('Authorization', asReader)
        .expect(200);
      expect(status.body.scheduled.events[0].trigger).to.equal('scheduler');
      let refused: Error | null = null;
      await Promise.resolve(op.plan({ task: 'nope' }, { username: 'admin', pinnedNodeId: null })).catch(
        (e: Error) => (refused = e),
      );
      expect(refused).to.be.an('error');
    });

    it('refuses run=now for a disabled task', async function () {
      this.timeout(180_000);
      await create(task('off', { enabled: false }), '?run=now').expect(400);
      await create(task('off', { enabled: false })).expect(201);
      await h.api
        .patch('/v1/tasks/off?run=now')
        .set('Authorization', asAdmin)
        .send({ variables: { out: file('off') } })
        .expect(400);
      const on = await h.api
        .patch('/v1/tasks/off?run=now')
        .set('Authorization', asAdmin)
        .send({ enabled: true })
        .expect(302);
      expect((await waitForTask(h.tasks, on.body.task_id, undefined, 60_000)).state).to.equal('done');
    });
  },
  { withFamilies: (h) => [testSyncs(h.db, h.tasks, root)] },
);
