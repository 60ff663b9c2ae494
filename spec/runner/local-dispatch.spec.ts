import { expect } from 'chai';
import type { TaskSignal } from '../../src/db/notifier';
import { TaskService } from '../../src/tasks/task-service';
import { describeOnBothBackends } from '../support/harness';
import { readLog, recordOp, sleepOp, startRunner, stopRunners, waitForTask } from '../support/runners';

describeOnBothBackends('tasks queued on the node that runs them', (h) => {
  afterEach(stopRunners);

  /**
   * A runner claims on start and again as a task ends, holding its free workers while the claim is in
   * flight: once a first task has ended and every worker can be held (and is given back), it is idle.
   */
  async function idleRunner(workers: number, ops = [sleepOp]) {
    const runner = await startRunner(h.db, ops, { workers });
    const tasks = new TaskService(h.db);
    tasks.dispatchTo(runner);
    const first = await tasks.enqueue({ type: ops[0].type, description: 'first', params: { ms: 1 } });
    await waitForTask(tasks, first.id);
    for (;;) {
      let held = 0;
      while (held < workers && runner.reserve(ops[0].type)) held++;
      for (let i = 0; i < held; i++) runner.release();
      if (held === workers) break;
      await new Promise((r) => setTimeout(r, 5));
    }
    return { runner, tasks };
  }

  it('are created claimed by the node while it has a free worker, and run with both debug lines', async () => {
    const { tasks } = await idleRunner(2);
    const task = await tasks.enqueue({ type: 'test_sleep', description: 'at once', params: { ms: 10 } });
    expect(task).to.include({ state: 'processing', nodeId: 'node-a' });
    expect(task.startedAt).to.be.instanceOf(Date);
    const done = await waitForTask(tasks, task.id);
    expect(done).to.include({ state: 'done', result: 'slept 10 ms' });
    const debug = await readLog(tasks, task.id, 'debug');
    const lines = debug
      .trimEnd()
      .split('\n')
      .map((l) => l.replace(/^.*-- /, ''));
    expect(lines).to.deep.equal([
      `TaskHelper: Director Version: ${lines[0].replace('TaskHelper: Director Version: ', '')}`,
      `TaskHelper: Enqueuing task: ${task.id}`,
      `DirectorJobRunner: Starting task: ${task.id}`,
      `DirectorJobRunner: Task ${task.id} done`,
    ]);
    expect(debug).to.contain(`[task:${task.id}]`);
  });

  it('queued in one batch: as many start here as there are free workers, the rest are claimed; a failed batch stores none and gives its workers back', async () => {
    const { runner, tasks } = await idleRunner(2);
    const sleeps = (n: number, description: string) =>
      Array.from({ length: n }, () => ({ type: 'test_sleep', description, params: { ms: 20 } }));
    let refused: Error | null = null;
    await tasks
      .enqueueBatch(async (_trx, enqueue) => {
        expect(await enqueue(sleeps(3, 'undone'))).to.have.length(3);
        throw new Error('the caller changed its mind');
      })
      .catch((e: Error) => (refused = e));
    expect(refused).to.be.an('error');
    expect(await h.db.knex('tasks').where({ description: 'undone' })).to.have.length(0);
    expect(runner.reserve('test_sleep') && runner.reserve('test_sleep')).to.equal(true);
    runner.release();
    runner.release();
    const batch = await tasks.enqueueBatch((_trx, enqueue) => enqueue(sleeps(5, 'batch')));
    expect(batch.map((t) => t.state)).to.deep.equal(['processing', 'processing', 'queued', 'queued', 'queued']);
    expect(batch.slice(0, 2).every((t) => t.nodeId === 'node-a')).to.equal(true);
    for (const t of batch) expect(await waitForTask(tasks, t.id)).to.include({ state: 'done', nodeId: 'node-a' });
    const debug = await readLog(tasks, batch[4].id, 'debug');
    expect(debug).to.contain(`Enqueuing task: ${batch[4].id}`).and.contain(`Starting task: ${batch[4].id}`);
  });

  it('are queued when every worker is busy, and claimed as one frees', async () => {
    const { tasks } = await idleRunner(1);
    const first = await tasks.enqueue({ type: 'test_sleep', description: 'busy', params: { ms: 300 } });
    const second = await tasks.enqueue({ type: 'test_sleep', description: 'waits', params: { ms: 10 } });
    expect(first.state).to.equal('processing');
    expect(second.state).to.equal('queued');
    const a = await waitForTask(tasks, first.id);
    const b = await waitForTask(tasks, second.id);
    expect([a.state, b.state]).to.deep.equal(['done', 'done']);
    // Both start times come from the database clock; the first held the only worker for its 300 ms sleep.
    // (Its end `timestamp` is no bound: the worker is free before the finish transaction stamps it.)
    expect(b.startedAt!.getTime() - a.startedAt!.getTime()).to.be.at.least(300);
    expect(await readLog(tasks, second.id, 'debug')).to.contain(`Starting task: ${second.id}\n`);
  });

  it('are queued when pinned to another node, and only that node claims them', async () => {
    const { tasks } = await idleRunner(2);
    // (In this order: a queued task wakes the runner, whose claim holds its free workers for a moment.)
    const here = await tasks.enqueue({
      type: 'test_sleep',
      description: 'for node-a',
      params: { ms: 1 },
      pinnedNodeId: 'node-a',
    });
    const pinned = await tasks.enqueue({
      type: 'test_sleep',
      description: 'for node-b',
      params: { ms: 1 },
      pinnedNodeId: 'node-b',
    });
    expect([here.state, pinned.state]).to.deep.equal(['processing', 'queued']);
    await waitForTask(tasks, here.id);
    // node-a's claim loop passes over it, however often it claims.
    const other = await tasks.enqueue({
      type: 'test_sleep',
      description: 'any node',
      params: { ms: 1 },
      queueName: 'wake-a',
    });
    expect((await waitForTask(tasks, other.id)).nodeId).to.equal('node-a');
    expect((await tasks.get(pinned.id))!.state).to.equal('queued');
    await startRunner(h.db, [sleepOp], { nodeId: 'node-b', workers: 1 });
    expect(await waitForTask(tasks, pinned.id)).to.include({ state: 'done', nodeId: 'node-b' });
  });

  it('are queued when they belong to a serial queue, or are of a type this node does not run', async () => {
    const ran: Array<{ id: number; node: string; start: number; end: number }> = [];
    const { tasks } = await idleRunner(4, [recordOp(ran)]);
    const inQueue = await tasks.enqueue({ type: 'test_record', description: 'serial', queueName: 'q1' });
    const unknown = await tasks.enqueue({ type: 'not_run_here', description: 'other nodes' });
    expect([inQueue.state, unknown.state]).to.deep.equal(['queued', 'queued']);
    expect((await waitForTask(tasks, inQueue.id)).state).to.equal('done');
    expect((await tasks.get(unknown.id))!.state).to.equal('queued');
  });

  it('are stored with their family rows in one transaction, and start once it has committed', async () => {
    const ran: Array<{ id: number; node: string; start: number; end: number }> = [];
    const { runner, tasks } = await idleRunner(1, [recordOp(ran, 100)]);
    const withRow = await tasks.enqueue({ type: 'test_record', description: 'with a row' }, async (trx, task) => {
      await trx('settings').insert({ key: `row-of-${task.id}`, value: 'x' });
    });
    expect(withRow.state).to.equal('processing');
    expect(
      await h.db
        .knex('settings')
        .where({ key: `row-of-${withRow.id}` })
        .first(),
    ).to.include({ value: 'x' });
    await waitForTask(tasks, withRow.id);
    // A refused row leaves no task, and gives its worker back.
    const refused = tasks.enqueue({ type: 'test_record', description: 'refused' }, async (trx) => {
      await trx('settings').insert({ key: `row-of-${withRow.id}`, value: 'again' });
    });
    expect((await Promise.allSettled([refused]))[0].status).to.equal('rejected');
    expect(await h.db.knex('tasks').where({ description: 'refused' }).first()).to.equal(undefined);
    expect(runner.runningTaskIds).to.deep.equal([]);
    const after = await tasks.enqueue({ type: 'test_record', description: 'after' });
    expect(after.state).to.equal('processing');
    expect((await waitForTask(tasks, after.id)).state).to.equal('done');
  });

  it('a stopping runner takes no more: the task is queued for the nodes that stay', async () => {
    const { runner, tasks } = await idleRunner(2);
    await runner.stop(1000);
    const task = await tasks.enqueue({ type: 'test_sleep', description: 'later', params: { ms: 1 } });
    expect(task.state).to.equal('queued');
    expect(task.nodeId).to.equal(null);
  });
});

describeOnBothBackends('task signals', (h) => {
  afterEach(stopRunners);

  it('name a queued task type, and a finished task serial queue', async () => {
    const seen: TaskSignal[] = [];
    const unsubscribe = h.db.notifier.subscribe((s) => seen.push(s));
    try {
      await startRunner(h.db, [sleepOp]);
      const plain = await h.tasks.enqueue({ type: 'test_sleep', description: 'plain', params: { ms: 1 } });
      const serial = await h.tasks.enqueue({
        type: 'test_sleep',
        description: 'serial',
        params: { ms: 1 },
        queueName: 'lock:deployment:web',
      });
      await waitForTask(h.tasks, plain.id);
      await waitForTask(h.tasks, serial.id);
      const deadline = Date.now() + 5000;
      while (seen.filter((s) => s.kind === 'finished').length < 2 && Date.now() < deadline)
        await new Promise((r) => setTimeout(r, 10));
      expect(seen).to.deep.include({ kind: 'queued', id: plain.id, type: 'test_sleep' });
      expect(seen).to.deep.include({ kind: 'queued', id: serial.id, type: 'test_sleep' });
      expect(seen).to.deep.include({ kind: 'finished', id: plain.id, queue: null });
      expect(seen).to.deep.include({ kind: 'finished', id: serial.id, queue: 'lock:deployment:web' });
    } finally {
      unsubscribe();
    }
  });
});
