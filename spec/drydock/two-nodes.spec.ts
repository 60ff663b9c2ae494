import { expect } from 'chai';
import supertest from 'supertest';
import { loadConfig } from '../../src/config/load-config';
import { openDatabase, Database } from '../../src/db/database';
import { drydockFamily } from '../../src/families/drydock/family';
import type { Family } from '../../src/families/family';
import { createApp } from '../../src/http/app';
import { TaskService } from '../../src/tasks/task-service';
import { resetDatabase, silentLog, testDatabase } from '../support/databases';
import { Authenticator } from '../../src/auth/authenticator';
import { LoginLimiter } from '../../src/auth/login-limiter';
import { TokenService } from '../../src/auth/token-service';
import { familyDeps, Harness, users } from '../support/harness';
import { readLog, startRunner, stopRunners, waitForTask } from '../support/runners';
import { TEST_DATABASE_URL } from '../support/test-env';
import { removeNodes, siteYaml } from './support';
import { asAdmin } from '../support/auth';

/** One bosun node's Drydock family and app, on its own connection to the shared database. */
async function drydockNode(db: Database, tasks: TaskService, nodeId: string) {
  const tokens = await TokenService.open(db.knex, users, { accessSeconds: 300, refreshSeconds: 3600 });
  const auth = new Authenticator(users, new LoginLimiter({ perSource: 20, perUser: 50, windowSeconds: 60 }), tokens);
  const config = loadConfig({ env: { BOSUN_NODE_ID: nodeId } });
  const h = { db, tasks } as Harness;
  const family = drydockFamily(
    familyDeps(h, {
      nodeId,
      config: { ...config, drydock: { ...config.drydock, node_parallelism: 4, unit_timeout_seconds: 20 } },
    }),
  );
  const app = createApp({ auth, realms: family.realms ?? [], log: silentLog, routers: family.routers });
  return { family, api: supertest(app.callback()) };
}

interface EventLine {
  stage: string;
  task: string;
  state: string;
}

const eventLines = async (tasks: TaskService, id: number): Promise<EventLine[]> =>
  (await readLog(tasks, id, 'event'))
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l) as EventLine);

async function until<T>(what: string, probe: () => Promise<T | null | undefined | false>, ms = 20_000): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const v = await probe();
    if (v) return v;
    if (Date.now() > deadline) throw new Error(`${what}: not after ${ms} ms`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe('Drydock boot-action reports on two nodes sharing PostgreSQL', () => {
  let first: Database;
  let second: Database;
  let a: Awaited<ReturnType<typeof drydockNode>>;
  let b: Awaited<ReturnType<typeof drydockNode>>;
  let tasksA: TaskService;
  let tasksB: TaskService;
  const started: Family[] = [];

  before(async () => {
    first = await testDatabase('postgres');
    second = await openDatabase({ url: TEST_DATABASE_URL, dataDir: '', poolSize: 10, log: silentLog });
    tasksA = new TaskService(first);
    tasksB = new TaskService(second);
    a = await drydockNode(first, tasksA, 'node-a');
    b = await drydockNode(second, tasksB, 'node-b');
  });
  beforeEach(async function () {
    await resetDatabase(first);
    await removeNodes.call(this);
    await b.family.start!();
    started.push(b.family);
  });
  afterEach(async function () {
    for (const f of started.splice(0)) await f.stop!();
    await stopRunners();
    await removeNodes.call(this);
  });
  after(async () => second.close());

  const waitingLines = async () => Number((await first.knex('drydock_report_lines').count({ n: '*' }).first())!.n);

  /** Stores a one-node design whose boot action's unit runs `unit`; deploys it on node-a; the task ids and the action. */
  async function deployOnA(unit: string) {
    await startRunner(first, a.family.operations, { nodeId: 'node-a' });
    const stored = await a.api
      .post('/api/v1.0/designs')
      .set('Authorization', asAdmin)
      .set('Content-Type', 'application/x-yaml')
      .send(siteYaml(1).replace('ExecStart=/bin/sh /var/tmp/hello.sh', `ExecStart=${unit}`));
    expect(stored.status).to.equal(201);
    const res = await a.api
      .post('/api/v1.0/tasks')
      .set('Authorization', asAdmin)
      .send({ action: 'deploy_nodes', design_ref: stored.body.design_ref });
    expect(res.status).to.equal(201);
    const directorTaskId: number = res.body.bosun_task_id;
    const action = await until('the boot action', () =>
      first.knex('drydock_boot_actions').where({ node_name: 'node01' }).first(),
    );
    return { directorTaskId, actionId: String(action.action_id), key: String(action.identity_key) };
  }

  it('puts a report reaching the other node into the running deploy’s event log, once, in the deploy’s stage', async function () {
    this.timeout(120_000);
    const { directorTaskId, actionId, key } = await deployOnA('/bin/sleep 6');
    expect((await tasksA.get(directorTaskId))!.state).to.equal('processing');
    const detail = await b.api
      .post(`/api/v1.0/bootactions/${actionId}`)
      .set('X-Bootaction-Key', key)
      .send({ details: [{ message: 'reported through node-b', error: false }] });
    expect(detail.status).to.equal(200);
    // In the event log while the deploy still runs (node-a picks it up; node-b wrote nothing there).
    await until('the line in the running task’s log', async () =>
      (await eventLines(tasksA, directorTaskId)).some((l) => l.task === 'node01/hello: reported through node-b'),
    );
    expect((await tasksA.get(directorTaskId))!.state).to.equal('processing');
    const closed = await b.api
      .post(`/api/v1.0/bootactions/${actionId}`)
      .set('X-Bootaction-Key', key)
      .send({ status: 'success' });
    expect(closed.body.action_status).to.equal('success');

    expect((await waitForTask(tasksA, directorTaskId, undefined, 60_000)).state).to.equal('done');
    const lines = await eventLines(tasksA, directorTaskId);
    const reported = lines.filter((l) => l.task.startsWith('node01/hello: '));
    expect(reported.map((l) => [l.stage, l.task, l.state])).to.deep.equal([
      ['Deploying nodes', 'node01/hello: reported through node-b', 'started'],
      ['Deploying nodes', 'node01/hello: reported through node-b', 'finished'],
      ['Deploying nodes', 'node01/hello: status success', 'started'],
      ['Deploying nodes', 'node01/hello: status success', 'finished'],
    ]);
    expect(await waitingLines()).to.equal(0);
  });

  it('logs a report that reached the other node as the deploy ended once the task has ended, and leftovers at a node’s start', async function () {
    this.timeout(120_000);
    const { directorTaskId, actionId, key } = await deployOnA('/bin/true');
    expect((await waitForTask(tasksA, directorTaskId, undefined, 60_000)).state).to.equal('done');
    const before = await eventLines(tasksA, directorTaskId);

    // As between the deploy's last pickup and its end: its subtasks are done, the task not yet.
    await first.knex('tasks').where({ id: directorTaskId }).update({ state: 'processing' });
    await first.knex('drydock_boot_actions').update({ action_status: 'incomplete' });
    const late = await b.api
      .post(`/api/v1.0/bootactions/${actionId}`)
      .set('X-Bootaction-Key', key)
      .send({ details: [{ message: 'as the deploy ended', error: true }] });
    expect(late.status).to.equal(200);
    await new Promise((r) => setTimeout(r, 300));
    expect(await eventLines(tasksA, directorTaskId)).to.have.length(before.length);

    // The task ends (as the runner ends it: state, then the NOTIFY every node hears).
    await first.knex('tasks').where({ id: directorTaskId }).update({ state: 'done' });
    await first.knex.raw(`select pg_notify('bosun_tasks', ?)`, [`finished:${directorTaskId}`]);
    const after = await until('the late line', async () => {
      const lines = await eventLines(tasksA, directorTaskId);
      return lines.length > before.length && lines;
    });
    expect(after.slice(before.length).map((l) => [l.stage, l.task, l.state])).to.deep.equal([
      ['Boot action reports', 'node01/hello: as the deploy ended', 'started'],
      ['Boot action reports', 'node01/hello: as the deploy ended', 'failed'],
    ]);

    // Lines left waiting when no node was there to log them (a node stopped meanwhile) go at a node's start.
    await b.family.stop!();
    started.splice(0);
    await first.knex('tasks').where({ id: directorTaskId }).update({ state: 'processing' });
    await b.api
      .post(`/api/v1.0/bootactions/${actionId}`)
      .set('X-Bootaction-Key', key)
      .send({ status: 'failure' })
      .expect(200);
    await first.knex('tasks').where({ id: directorTaskId }).update({ state: 'done' });
    expect(await waitingLines()).to.equal(1);
    await b.family.start!();
    started.push(b.family);
    const last = await eventLines(tasksA, directorTaskId);
    expect(last.slice(after.length).map((l) => [l.stage, l.task, l.state])).to.deep.equal([
      ['Boot action reports', 'node01/hello: status failure', 'started'],
      ['Boot action reports', 'node01/hello: status failure', 'failed'],
    ]);
    expect(await waitingLines()).to.equal(0);
  });
});
