import crypto from 'node:crypto';
import { expect } from 'chai';
import { openDatabase, Database } from '../../src/db/database';
import { TaskService } from '../../src/tasks/task-service';
import type { Family, ScheduledOperation, ScheduledTask } from '../../src/families/family';
import { asAdmin } from '../support/auth';
import { resetDatabase, silentLog, testDatabase } from '../support/databases';
import { describeOnBothBackends } from '../support/harness';
import { sleepOp, startRunner, stopRunners, waitForTask } from '../support/runners';
import { TEST_DATABASE_URL } from '../support/test-env';
import { scheduledSleep, sleep, testScheduler } from './support';

/** Runs per tick of a config, from the database. */
async function runsPerTick(db: Database, configId: string): Promise<number[]> {
  const rows = await db
    .knex('scheduler_runs')
    .where({ config_id: configId, trigger: 'schedule' })
    .groupBy('fire_at')
    .select('fire_at')
    .count({ n: '*' });
  return rows.map((r: { n: unknown }) => Number(r.n));
}

describeOnBothBackends(
  'the scheduler fires job configurations',
  (h) => {
    const loops: Family[] = [];
    const startLoop = async (nodeId = 'node-a') => {
      const f = testScheduler(h.db, h.tasks, nodeId);
      loops.push(f);
      await f.start!();
    };
    beforeEach(async () => {
      await h.db.knex.raw('truncate scheduler_job_configs, scheduler_runs');
      await startRunner(h.db, [sleepOp]);
    });
    afterEach(async () => {
      for (const f of loops.splice(0)) await f.stop!();
      await stopRunners();
    });
    const create = async (body: Record<string, unknown>) =>
      (
        await h.api
          .post('/api/v1/scheduler/job-configs')
          .set('Authorization', asAdmin)
          .send({ name: 'n', operation: 'sleep', job_config_params: { ms: 10 }, ...body })
          .expect(201)
      ).body;

    it('fires a every-second config (6 fields, a bosun extension): one completed run per tick, each its own task', async () => {
      const c = await create({ run_at: '* * * * * *' });
      await startLoop();
      await sleep(2_600);
      const res = await h.api
        .get(`/api/v1/scheduler/jobs?job_config_id=${c.id}&sort=createdAt`)
        .set('Authorization', asAdmin)
        .expect(200);
      expect(res.body.total).to.be.at.least(2);
      expect(await runsPerTick(h.db, c.id)).to.satisfy((n: number[]) => n.every((x) => x === 1));
      const first = res.body.resources[0];
      const task = await waitForTask(h.tasks, first.details.task_id);
      expect(task).to.include({ type: 'test_sleep', state: 'done' });
      const run = await h.api.get(`/api/v1/scheduler/jobs/${first.id}`).set('Authorization', asAdmin).expect(200);
      expect(run.body).to.include({
        status: 'completed',
        job_config_id: c.id,
        operation: 'sleep',
        processing_node: 'node-a',
        trigger: 'schedule',
      });
      expect(run.body.details.details).to.equal('slept 10 ms');
    });

    it('records a tick as skipped while the previous run still goes, unless allow_overlap', async () => {
      const c = await create({ run_at: '* * * * * *', job_config_params: { ms: 2_500 } });
      const o = await create({ run_at: '* * * * * *', job_config_params: { ms: 2_500 }, allow_overlap: true });
      await startLoop();
      await sleep(2_300);
      const statuses = async (id: string) =>
        (await h.db.knex('scheduler_runs').where({ config_id: id }).select('status')).map(
          (r: { status: string | null }) => r.status,
        );
      expect(await statuses(c.id)).to.include('skipped');
      expect(await statuses(o.id)).to.not.include('skipped');
      const skipped = await h.api
        .get(`/api/v1/scheduler/jobs?status=skipped&job_config_id=${c.id}`)
        .set('Authorization', asAdmin)
        .expect(200);
      expect(skipped.body.total).to.be.at.least(1);
      expect(skipped.body.resources[0].details.task_id).to.equal(null);
    });

    it('misfire: skip drops ticks missed long ago, run_once runs the latest of them once', async () => {
      const skip = await create({ run_at: '0 0 1 1 *' });
      const once = await create({ run_at: '0 0 1 1 *', misfire: 'run_once' });
      // As after years of downtime: both configs' next run lies far in the past.
      await h.db.knex('scheduler_job_configs').update({ next_run_at: new Date('2020-01-01T00:00:00Z') });
      await startLoop();
      await sleep(800);
      expect(await h.db.knex('scheduler_runs').where({ config_id: skip.id }).select('id')).to.have.length(0);
      const runs = await h.db.knex('scheduler_runs').where({ config_id: once.id }).select('fire_at');
      expect(runs).to.have.length(1);
      expect(new Date(runs[0].fire_at).toISOString()).to.equal(`${new Date().getUTCFullYear()}-01-01T00:00:00.000Z`);
      for (const id of [skip.id, once.id]) {
        const row = await h.db.knex('scheduler_job_configs').where({ id }).first();
        expect(new Date(row.next_run_at).getTime()).to.be.above(Date.now());
      }
    });

    it('a config for a node that is down waits for it: no run elsewhere, then it runs there', async () => {
      const c = await create({ run_at: '* * * * * *', run_on: 'node-b' });
      await startLoop('node-a');
      await sleep(1_500);
      expect(await h.db.knex('scheduler_runs').where({ config_id: c.id })).to.have.length(0);
      await startLoop('node-b');
      await sleep(1_500);
      const runs = await h.db.knex('scheduler_runs').where({ config_id: c.id }).select('node_id');
      expect(runs.length).to.be.at.least(1);
      expect(runs.every((r: { node_id: string }) => r.node_id === 'node-b')).to.equal(true);
    });

    it('run-now of a config pinned to a node that is down queues its task for that node alone', async () => {
      const c = await create({ run_at: '0 0 1 1 *', run_on: 'node-b' });
      const res = await h.api
        .post(`/api/v1/scheduler/job-configs/${c.id}/run-now`)
        .set('Authorization', asAdmin)
        .expect(302);
      const taskId = Number(res.headers.location.split('/').pop());
      await sleep(500);
      expect((await h.tasks.get(taskId))!.state).to.equal('queued');
      await startRunner(h.db, [sleepOp], { nodeId: 'node-b' });
      expect(await waitForTask(h.tasks, taskId)).to.include({ state: 'done', nodeId: 'node-b' });
    });

    it('a disabled config never fires; a deleted config stops and keeps its past runs', async () => {
      const off = await create({ run_at: '* * * * * *', disabled: true });
      const c = await create({ run_at: '* * * * * *' });
      await startLoop();
      await sleep(1_500);
      await h.api.delete(`/api/v1/scheduler/job-configs/${c.id}`).set('Authorization', asAdmin).expect(204);
      const kept = (await h.db.knex('scheduler_runs').where({ config_id: c.id })).length;
      expect(kept).to.be.at.least(1);
      await sleep(1_200);
      expect(await h.db.knex('scheduler_runs').where({ config_id: c.id })).to.have.length(kept);
      expect(await h.db.knex('scheduler_runs').where({ config_id: off.id })).to.have.length(0);
    });

    it('run-now answers 302 to the task with job_id and job_config_id; DELETE /jobs/{id} is a 400 while it runs', async () => {
      const c = await create({ run_at: '0 0 1 1 *', job_config_params: { ms: 30_000 } });
      const res = await h.api
        .post(`/api/v1/scheduler/job-configs/${c.id}/run-now`)
        .set('Authorization', asAdmin)
        .expect(302);
      expect(res.headers.location).to.equal(`/tasks/${res.body.task_id}`);
      expect(res.body).to.have.keys('job_id', 'job_config_id', 'task_id');
      expect(res.body.job_config_id).to.equal(c.id);
      await waitForTask(h.tasks, res.body.task_id, (t) => t.state === 'processing');
      const refused = await h.api
        .delete(`/api/v1/scheduler/jobs/${res.body.job_id}`)
        .set('Authorization', asAdmin)
        .expect(400);
      expect(refused.body.codeDesc).to.match(/^NCERRBadRequest: job .* is running/);
      const running = await h.api
        .get(`/api/v1/scheduler/jobs/${res.body.job_id}`)
        .set('Authorization', asAdmin)
        .expect(200);
      expect(running.body).to.include({ status: 'in_progress', trigger: 'run_now' });
      await h.api.delete(`/task/${res.body.task_id}`).set('Authorization', asAdmin).expect(204);
      await waitForTask(h.tasks, res.body.task_id);
      expect(
        (await h.api.get(`/api/v1/scheduler/jobs/${res.body.job_id}`).set('Authorization', asAdmin).expect(200)).body
          .status,
      ).to.equal('aborted');
      await h.api.delete(`/api/v1/scheduler/jobs/${res.body.job_id}`).set('Authorization', asAdmin).expect(204);
      await h.api.get(`/api/v1/scheduler/jobs/${res.body.job_id}`).set('Authorization', asAdmin).expect(404);
      expect(await h.tasks.get(res.body.task_id)).to.equal(null);
    });

    it('fires every config of a backlog due on one tick, however long the node takes to reach the last', async () => {
      // A node busy queueing tasks (slow starts, small batches) reaches the last configs due on a tick
      // long after the misfire grace; it was up all along, so none of those ticks counts as missed.
      const slowSleep: ScheduledOperation = {
        ...scheduledSleep(),
        plan: async (p, run) => {
          await sleep(400);
          return scheduledSleep().plan(p, run);
        },
      };
      const f = testScheduler(h.db, h.tasks, 'node-a', [slowSleep], { batch: 2, misfireGraceMs: 1_000 });
      const ids: string[] = [];
      for (let i = 0; i < 10; i++) ids.push((await create({ run_at: '0 0 1 1 *', job_config_params: { ms: 1 } })).id);
      const tick = new Date();
      await h.db.knex('scheduler_job_configs').update({ next_run_at: tick });
      loops.push(f);
      await f.start!();
      // Five batches of two, each about 800 ms (two slow plans): the last is reached well past the 1 s grace.
      for (
        let waited = 0;
        waited < 8_000 && (await h.db.knex('scheduler_runs').whereNotNull('task_id')).length < ids.length;
        waited += 200
      )
        await sleep(200);
      for (const id of ids) {
        const runs = await h.db.knex('scheduler_runs').where({ config_id: id }).select('fire_at', 'status', 'task_id');
        expect(runs, `runs of config ${id}`).to.have.length(1);
        expect(new Date(runs[0].fire_at).getTime()).to.equal(tick.getTime());
        expect(runs[0].status).to.equal(null);
        expect(runs[0].task_id).to.be.a('number');
      }
    });

    it("one run whose task cannot be stored holds back none of its tick's others, and gets its task later; a vanished operation fails its run", async () => {
      // A family whose rows for one task fail (ms 13) while `refusing`: the batch's transaction fails
      // with it, and the batch is fired again in two steps, each run's task on its own.
      let refusing = true;
      const flaky: ScheduledOperation = {
        ...scheduledSleep(),
        plan: (p, run) => ({
          ...(scheduledSleep().plan(p, run) as ScheduledTask),
          withRows: () => (p.ms === 13 && refusing ? Promise.reject(new Error('refused')) : Promise.resolve()),
        }),
      };
      const f = testScheduler(h.db, h.tasks, 'node-a', [flaky], { orphanAfterMs: 500 });
      const good: string[] = [];
      for (let i = 0; i < 4; i++) good.push((await create({ run_at: '0 0 1 1 *', job_config_params: { ms: 1 } })).id);
      const bad = (await create({ run_at: '0 0 1 1 *', job_config_params: { ms: 13 } })).id;
      const vanished = (await create({ run_at: '0 0 1 1 *', job_config_params: { ms: 1 } })).id;
      await h.db.knex('scheduler_job_configs').where({ id: vanished }).update({ operation: 'vanished' });
      const tick = new Date();
      await h.db.knex('scheduler_job_configs').update({ next_run_at: tick });
      loops.push(f);
      await f.start!();
      const runsOf = (id: string) => h.db.knex('scheduler_runs').where({ config_id: id }).select('*');
      for (let waited = 0; waited < 8_000; waited += 100) {
        const started = await h.db.knex('scheduler_runs').whereIn('config_id', good).whereNotNull('task_id');
        if (started.length === good.length && (await runsOf(bad)).length === 1) break;
        await sleep(100);
      }
      for (const id of good) expect((await runsOf(id))[0].task_id, `config ${id}`).to.be.a('number');
      const [held] = await runsOf(bad);
      expect(held).to.include({ task_id: null, status: null });
      const [failed] = await runsOf(vanished);
      expect(failed).to.include({ task_id: null, status: 'failed' });
      expect(failed.error).to.include("'vanished'");
      refusing = false;
      for (let waited = 0; waited < 8_000 && (await runsOf(bad))[0].task_id === null; waited += 100) await sleep(100);
      const after = await runsOf(bad);
      expect(after).to.have.length(1);
      expect(after[0].id).to.equal(held.id);
      expect(await waitForTask(h.tasks, after[0].task_id)).to.include({ state: 'done' });
      for (const id of [...good, bad, vanished]) expect(await runsPerTick(h.db, id)).to.deep.equal([1]);
    });

    it('a run its operation refuses (a resource its params name is gone) fails with the reason; run-now of it is a 400', async () => {
      const c = await create({ run_at: '0 0 1 1 *', operation: 'gone', job_config_params: { what: 'sync task' } });
      const res = await h.api
        .post(`/api/v1/scheduler/job-configs/${c.id}/run-now`)
        .set('Authorization', asAdmin)
        .expect(400);
      expect(res.body.message).to.include("'job_config_params'").and.include('no sync task any more');
      expect(await h.db.knex('scheduler_runs').where({ config_id: c.id })).to.have.length(0);
      await h.db.knex('scheduler_job_configs').where({ id: c.id }).update({ next_run_at: new Date() });
      await startLoop();
      for (let waited = 0; waited < 5_000; waited += 100) {
        if ((await h.db.knex('scheduler_runs').where({ config_id: c.id })).length) break;
        await sleep(100);
      }
      const runs = await h.db.knex('scheduler_runs').where({ config_id: c.id }).select('status', 'error', 'task_id');
      expect(runs).to.deep.equal([{ status: 'failed', error: 'no sync task any more', task_id: null }]);
    });

    it('answers bad run filters with a 400 naming the parameter', async () => {
      for (const q of ['status=done', 'job_config_id=x', 'sort=colour']) {
        const res = await h.api.get(`/api/v1/scheduler/jobs?${q}`).set('Authorization', asAdmin).expect(400);
        expect(res.body.message).to.include(`'${q.split('=')[0]}'`);
      }
    });
  },
  { withFamilies: (h) => [testScheduler(h.db, h.tasks)] },
);

describe('the scheduler on two nodes sharing PostgreSQL', () => {
  let first: Database;
  let second: Database;
  const loops: Family[] = [];
  before(async () => {
    first = await testDatabase('postgres');
    second = await openDatabase({ url: TEST_DATABASE_URL, dataDir: '', poolSize: 10, log: silentLog });
  });
  beforeEach(async () => {
    await resetDatabase(first);
    await first.knex.raw('truncate scheduler_job_configs, scheduler_runs');
  });
  afterEach(async () => {
    for (const f of loops.splice(0)) await f.stop!();
    await stopRunners();
  });
  after(async () => second.close());

  it('fire exactly one run per tick between them, each with one task', async () => {
    const t1 = new TaskService(first);
    const t2 = new TaskService(second);
    await startRunner(first, [sleepOp], { nodeId: 'node-1' });
    await startRunner(second, [sleepOp], { nodeId: 'node-2' });
    for (const [db, tasks, node] of [
      [first, t1, 'node-1'],
      [second, t2, 'node-2'],
    ] as const) {
      const f = testScheduler(db, tasks, node);
      loops.push(f);
      await f.start!();
    }
    const ids: string[] = [];
    for (let i = 0; i < 20; i++) {
      const id = crypto.randomUUID();
      ids.push(id);
      await first.knex('scheduler_job_configs').insert({
        id,
        name: `c${i}`,
        operation: 'sleep',
        params: JSON.stringify({ ms: 1 }),
        run_at: '* * * * * *',
        allow_overlap: true,
        next_run_at: new Date(Date.now() + 500),
        created_by: 'admin',
      });
    }
    await sleep(3_000);
    for (const f of loops.splice(0)) await f.stop!();
    const rows = await first.knex('scheduler_runs').select('config_id', 'fire_at', 'task_id', 'node_id');
    expect(rows.length).to.be.at.least(40);
    const perTick = new Map<string, number>();
    for (const r of rows)
      perTick.set(
        `${r.config_id}@${new Date(r.fire_at).toISOString()}`,
        (perTick.get(`${r.config_id}@${new Date(r.fire_at).toISOString()}`) ?? 0) + 1,
      );
    expect([...perTick.values()].every((n) => n === 1)).to.equal(true);
    await sleep(300);
    const tasks = await first.knex('tasks').select('id');
    const linked = new Set(
      (await first.knex('scheduler_runs').whereNotNull('task_id').select('task_id')).map(
        (r: { task_id: number }) => r.task_id,
      ),
    );
    expect(tasks.length).to.equal(linked.size);
    expect(new Set(rows.map((r: { node_id: string }) => r.node_id)).size).to.equal(2);
  });
});
