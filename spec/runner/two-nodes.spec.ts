import { expect } from 'chai';
import { openDatabase, Database } from '../../src/db/database';
import { TaskService } from '../../src/tasks/task-service';
import { resetDatabase, silentLog, testDatabase } from '../support/databases';
import { recordOp, sleepOp, startRunner, stopRunners, waitForTask } from '../support/runners';
import { TEST_DATABASE_URL } from '../support/test-env';

describe('two nodes on one PostgreSQL', () => {
  let first: Database;
  let second: Database;

  before(async () => {
    first = await testDatabase('postgres');
    second = await openDatabase({ url: TEST_DATABASE_URL, dataDir: '', poolSize: 10, log: silentLog });
  });
  beforeEach(async () => resetDatabase(first));
  afterEach(stopRunners);
  after(async () => second.close());

  it('run N tasks between them, each exactly once', async () => {
    const ran: Array<{ id: number; node: string; start: number; end: number }> = [];
    await startRunner(first, [recordOp(ran, 2)], { nodeId: 'node-1', workers: 4 });
    await startRunner(second, [recordOp(ran, 2)], { nodeId: 'node-2', workers: 4 });
    const tasks = new TaskService(first);
    const ids: number[] = [];
    for (let i = 0; i < 300; i++) ids.push((await tasks.enqueue({ type: 'test_record', description: `t${i}` })).id);
    for (const id of ids) expect((await waitForTask(tasks, id)).state).to.equal('done');
    expect(ran.map((r) => r.id).sort((a, b) => a - b)).to.deep.equal(ids);
    const byNode = new Set(ran.map((r) => r.node));
    expect([...byNode].sort()).to.deep.equal(['node-1', 'node-2']);
    const rows = await first.knex('tasks').select('id', 'node_id');
    for (const r of rows) expect(ran.find((x) => x.id === r.id)!.node).to.equal(r.node_id);
  });

  it('keep a serial queue serial across nodes', async () => {
    const ran: Array<{ id: number; node: string; start: number; end: number }> = [];
    await startRunner(first, [recordOp(ran, 30)], { nodeId: 'node-1', workers: 4 });
    await startRunner(second, [recordOp(ran, 30)], { nodeId: 'node-2', workers: 4 });
    const tasks = new TaskService(second);
    const ids: number[] = [];
    for (let i = 0; i < 8; i++)
      ids.push((await tasks.enqueue({ type: 'test_record', description: 'q', queueName: 'shared' })).id);
    for (const id of ids) await waitForTask(tasks, id);
    const runs = ids.map((id) => ran.find((r) => r.id === id)!);
    for (let i = 1; i < runs.length; i++) expect(runs[i].start).to.be.at.least(runs[i - 1].end);
  });

  it('wake each other: a task queued through one node starts on an idle other at once', async () => {
    const ran: Array<{ id: number; node: string; start: number; end: number }> = [];
    await startRunner(second, [recordOp(ran)], { nodeId: 'node-2', workers: 1, pollIntervalMs: 600_000 });
    await new Promise((r) => setTimeout(r, 100));
    const tasks = new TaskService(first);
    const task = await tasks.enqueue({ type: 'test_record', description: 'cross-node' });
    const done = await waitForTask(tasks, task.id, undefined, 5_000);
    expect(done.nodeId).to.equal('node-2');
  });

  it('cancel a task running on the other node', async () => {
    await startRunner(second, [sleepOp], { nodeId: 'node-2', checkpointIntervalMs: 60_000 });
    const tasks = new TaskService(first);
    const task = await tasks.enqueue({ type: 'test_sleep', description: 'long', params: { ms: 60_000 } });
    const running = await waitForTask(tasks, task.id, (t) => t.state === 'processing');
    await tasks.cancel(running);
    expect((await waitForTask(tasks, task.id, undefined, 5_000)).state).to.equal('cancelled');
  });
});
