import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { expect } from 'chai';
import type { Family } from '../../src/families/family';
import { asAdmin, asReader } from '../support/auth';
import { describeOnBothBackends, Harness } from '../support/harness';
import { startRunner, stopRunners, waitForTask } from '../support/runners';
import { eventually, modulesRoot, sleep, testSyncs } from './support';

const { root, out } = modulesRoot();

/** The runs queued for a sync task, oldest first. */
async function runsOf(h: Harness, name: string): Promise<Array<{ id: number; state: string; created_at: Date }>> {
  return h.db
    .knex('tasks')
    .where({ type: 'sync_task_run', queue_name: `sync:${name}` })
    .orderBy('id')
    .select('id', 'state', 'created_at');
}

const allDone = async (h: Harness, name: string, n: number) => {
  const runs = await runsOf(h, name);
  return runs.length === n && runs.every((r) => ['done', 'error'].includes(r.state)) ? runs : null;
};

let instanceNo = 10;
const addInstance = (h: Harness, group = 'api') =>
  h.db.knex('instances').insert({
    id: crypto.randomUUID(),
    deployment: 'web',
    instance_group: group,
    idx: instanceNo++,
    container_id: `c-${instanceNo}`,
  });

describeOnBothBackends(
  'sync tasks: conditions and change detection',
  (h) => {
    const started: Family[] = [];
    const startWatch = async (f: Family = h.families[0]) => {
      started.push(f);
      await f.start!();
    };
    beforeEach(async () => {
      await startRunner(h.db, h.families[0].operations);
      await h.db.knex('deployments').insert({ name: 'web' });
      await addInstance(h);
    });
    afterEach(async () => {
      for (const f of started.splice(0)) await f.stop!();
      await stopRunners();
    });
    const create = (name: string, over: Record<string, unknown> = {}) =>
      h.api
        .post('/v1/tasks')
        .set('Authorization', asAdmin)
        .send({
          task: {
            name,
            module: 'writer',
            variables: { out: path.join(out, `${h.backend}-${name}.json`) },
            condition: { instances: { deployment: 'web' } },
            buffer_period: { enabled: false },
            ...over,
          },
        })
        .expect(201);

    it('runs once for the data a new task finds, once per change, and not for unchanged or unwatched data', async function () {
      this.timeout(180_000);
      await create('hosts');
      await startWatch();
      await eventually(() => allDone(h, 'hosts', 1), 60_000, 'first run');
      await sleep(600);
      expect(await runsOf(h, 'hosts')).to.have.length(1);
      await addInstance(h);
      await eventually(() => allDone(h, 'hosts', 2), 60_000, 'run after an added instance');
      await h.db
        .knex('instances')
        .where({ deployment: 'web' })
        .orderBy('id')
        .limit(1)
        .update({ container_id: 'recreated' });
      await eventually(() => allDone(h, 'hosts', 3), 60_000, 'run after a recreate');
      await h.db.knex('instances').where({ deployment: 'web' }).update({ config_hash: 'not handed to the module' });
      await h.db.knex('deployments').insert({ name: 'other' });
      await h.db
        .knex('instances')
        .insert({ id: crypto.randomUUID(), deployment: 'other', instance_group: 'x', idx: 0 });
      await sleep(800);
      expect(await runsOf(h, 'hosts')).to.have.length(3);
      const written = JSON.parse(fs.readFileSync(path.join(out, `${h.backend}-hosts.json`), 'utf8')) as {
        services: Record<string, { node: string }>;
      };
      expect(Object.values(written.services).map((s) => s.node)).to.include('recreated');
    });

    it('buffer_period: a burst of changes is one run after quiet; a run starts by max even while changes go on', async function () {
      this.timeout(180_000);
      await create('buffered', { buffer_period: { enabled: true, min: '1s', max: '20s' } });
      await startWatch();
      await eventually(() => allDone(h, 'buffered', 1), 60_000, 'first run');
      for (let i = 0; i < 3; i++) {
        await addInstance(h);
        await sleep(200);
      }
      await eventually(() => allDone(h, 'buffered', 2), 60_000, 'one run for the burst');
      await sleep(1_500);
      expect(await runsOf(h, 'buffered')).to.have.length(2);

      await h.api
        .patch('/v1/tasks/buffered')
        .set('Authorization', asAdmin)
        .send({ buffer_period: { min: '2s', max: '2s' } })
        .expect(200);
      // Changes every 300 ms never leave 2 s of quiet: only max starts a run while they go on.
      let last = new Date();
      for (let i = 0; i < 16; i++) {
        await addInstance(h);
        last = new Date();
        await sleep(300);
      }
      const runs = await runsOf(h, 'buffered');
      expect(runs.length).to.be.at.least(3);
      expect(new Date(runs[2].created_at).getTime()).to.be.below(last.getTime());
    });

    it('a disabled task never runs; enabled again, it runs the changes it missed', async function () {
      this.timeout(180_000);
      await create('paused', { enabled: false });
      await startWatch();
      await addInstance(h);
      await sleep(800);
      expect(await runsOf(h, 'paused')).to.have.length(0);
      await h.api.patch('/v1/tasks/paused').set('Authorization', asAdmin).send({ enabled: true }).expect(200);
      await eventually(() => allDone(h, 'paused', 1), 60_000, 'run after enabling');
      const status = await h.api
        .get('/v1/status/tasks/paused?include=events')
        .set('Authorization', asReader)
        .expect(200);
      expect(status.body.paused.events[0]).to.include({ success: true, trigger: 'change' });
    });

    it("a change seen while a run goes on is run next, in the task's queue", async () => {
      await create('slow', { module: 'slow' });
      await startWatch();
      const [first] = await eventually(
        async () => {
          const runs = await runsOf(h, 'slow');
          return runs.length && runs[0].state === 'processing' ? runs : null;
        },
        60_000,
        'first run processing',
      );
      await addInstance(h);
      const runs = await eventually(() => allDone(h, 'slow', 2), 60_000, 'second run');
      expect(runs[1].id).to.be.above(first.id);
      expect((await h.tasks.get(runs[1].id))!.startedAt!.getTime()).to.be.at.least(
        (await h.tasks.get(first.id))!.timestamp.getTime(),
      );
    });

    it('two nodes watching one database start exactly one run per change', async function () {
      this.timeout(180_000);
      const other = testSyncs(h.db, h.tasks, root, { BOSUN_NODE_ID: 'node-b' });
      await create('shared');
      await startWatch();
      await startWatch(other);
      await eventually(() => allDone(h, 'shared', 1), 60_000, 'first run');
      for (let n = 2; n <= 4; n++) {
        await addInstance(h);
        await eventually(() => allDone(h, 'shared', n), 60_000, `run ${n}`);
        await sleep(400);
        expect(await runsOf(h, 'shared')).to.have.length(n);
      }
    });

    it('a change recorded by a node that died is run by another; so is a run whose node died', async function () {
      this.timeout(180_000);
      await create('orphan');
      // As a node leaves it that recorded the change and died before queuing its run.
      await h.db.knex('sync_tasks').where({ name: 'orphan' }).update({
        seen_fingerprint: 'x',
        seen_hash: 'x',
        pending: true,
        first_change_at: new Date(),
        last_change_at: new Date(),
      });
      await h.db
        .knex('sync_tasks')
        .where({ name: 'orphan' })
        .update({ seen_fingerprint: h.db.knex.raw('seen_fingerprint') });
      await startWatch();
      await eventually(() => allDone(h, 'orphan', 1), 60_000, 'the orphaned change run');
      // A run whose node died: the task core ends it `timeout`; the change it carried is run again.
      const lost = await h.tasks.enqueue(
        { type: 'sync_task_run_lost', description: 'lost', queueName: 'sync:orphan-lost' },
        async (trx, t) => {
          await trx('sync_runs').insert({
            sync_task: 'orphan',
            task_id: t.id,
            trigger: 'change',
            started_at: new Date(),
          });
        },
      );
      await h.db.knex('tasks').where({ id: lost.id }).update({ state: 'timeout', result: 'Task timed out' });
      await eventually(() => allDone(h, 'orphan', 2), 60_000, 'rerun of the lost change');
      const run = await h.db.knex('sync_runs').where({ task_id: lost.id }).first();
      expect(run).to.include({ success: false, error: 'Task timed out' });
    });

    it('a schedule condition runs on its ticks, not while disabled', async function () {
      this.timeout(180_000);
      await create('ticking', {
        condition: { schedule: { cron: '* * * * * *' } },
        module_input: { instances: { deployment: 'web' } },
      });
      await startWatch();
      await eventually(
        async () => ((await runsOf(h, 'ticking')).filter((r) => r.state === 'done').length >= 2 ? true : null),
        60_000,
        'two ticks',
      );
      await h.api.patch('/v1/tasks/ticking').set('Authorization', asAdmin).send({ enabled: false }).expect(200);
      await eventually(
        async () => ((await runsOf(h, 'ticking')).every((r) => ['done', 'error'].includes(r.state)) ? true : null),
        60_000,
        'runs ended',
      );
      const n = (await runsOf(h, 'ticking')).length;
      await sleep(1_500);
      expect(await runsOf(h, 'ticking')).to.have.length(n);
    });

    it('DELETE lets a running run finish, then the task is gone; the infrastructure stays', async function () {
      this.timeout(180_000);
      await create('doomed', { module: 'slow' });
      await startWatch();
      const [run] = await eventually(
        async () => {
          const runs = await runsOf(h, 'doomed');
          return runs.length && runs[0].state === 'processing' ? runs : null;
        },
        60_000,
        'run processing',
      );
      await h.api.delete('/v1/tasks/doomed').set('Authorization', asAdmin).expect(202);
      await h.api.get('/v1/tasks/doomed').set('Authorization', asReader).expect(404);
      expect(await h.db.knex('sync_tasks').where({ name: 'doomed' }).first()).to.not.equal(undefined);
      expect((await waitForTask(h.tasks, run.id, undefined, 60_000)).state).to.equal('done');
      await eventually(
        async () => ((await h.db.knex('sync_tasks').where({ name: 'doomed' }).first()) ? null : true),
        10_000,
        'task deleted',
      );
      expect(fs.readFileSync(path.join(out, `${h.backend}-doomed.json`), 'utf8')).to.include('ok');
    });
  },
  { withFamilies: (h) => [testSyncs(h.db, h.tasks, root)] },
);

describeOnBothBackends(
  'sync tasks: events kept per task',
  (h) => {
    afterEach(() => stopRunners());
    it('keeps the configured number of events (runs) per task', async function () {
      this.timeout(180_000);
      await startRunner(h.db, h.families[0].operations);
      await h.db.knex('deployments').insert({ name: 'web' });
      await h.api
        .post('/v1/tasks')
        .set('Authorization', asAdmin)
        .send({
          task: {
            name: 'few',
            module: 'writer',
            variables: { out: path.join(out, `${h.backend}-few.json`) },
            condition: { instances: { deployment: 'web' } },
          },
        })
        .expect(201);
      for (let i = 0; i < 3; i++) {
        const res = await h.api
          .patch('/v1/tasks/few?run=now')
          .set('Authorization', asAdmin)
          .send({ enabled: true })
          .expect(302);
        await waitForTask(h.tasks, res.body.task_id, undefined, 60_000);
      }
      const status = await h.api.get('/v1/status/tasks/few?include=events').set('Authorization', asReader).expect(200);
      expect(status.body.few.events).to.have.length(2);
      expect(await h.db.knex('sync_runs').where({ sync_task: 'few' }).select('id')).to.have.length(2);
    });
  },
  {
    withFamilies: (h) => {
      const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'bosun-sync-config-')), 'bosun.yml');
      fs.writeFileSync(file, 'syncs:\n  events_per_task: 2\n');
      return [testSyncs(h.db, h.tasks, root, { BOSUN_CONFIG: file })];
    },
  },
);
