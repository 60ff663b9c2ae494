import { expect } from 'chai';
import { z } from 'zod';
import { defineOperation } from '../../src/runner/operation';
import { TaskCancelledError } from '../../src/errors/task-cancelled';
import { describeOnBothBackends } from '../support/harness';
import { failOp, readLog, recordOp, sleepOp, startRunner, stopRunners, waitForTask } from '../support/runners';

describeOnBothBackends('task runner', (h) => {
  afterEach(stopRunners);

  it('runs a queued task to done, with its event stages, debug and result logs', async () => {
    await startRunner(h.db, [sleepOp]);
    const task = await h.tasks.enqueue({ type: 'test_sleep', description: 'sleep a bit', params: { ms: 10 } });
    const done = await waitForTask(h.tasks, task.id);
    expect(done.state).to.equal('done');
    expect(done.result).to.equal('slept 10 ms');
    expect(done.startedAt).to.be.instanceOf(Date);
    const events = (await readLog(h.tasks, task.id, 'event'))
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    expect(events.map((e) => e.state)).to.deep.equal(['started', 'finished']);
    expect(events[0]).to.include({ stage: 'Sleeping', total: 1, task: '10 ms', index: 1, progress: 0 });
    expect(Object.keys(events[0])).to.deep.equal([
      'time',
      'stage',
      'tags',
      'total',
      'task',
      'index',
      'state',
      'progress',
    ]);
    expect(events[1]).to.include({ progress: 100 });
    expect(Number.isInteger(events[0].time)).to.equal(true);
    const debug = await readLog(h.tasks, task.id, 'debug');
    expect(debug).to.match(
      /^I, \[\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6} #\d+\] \[task:1\] {2}INFO -- TaskHelper: Director Version: /,
    );
    expect(debug).to.contain('Enqueuing task: 1\n');
    expect(debug).to.contain('DirectorJobRunner: Starting task: 1\n');
    expect(debug).to.match(/\] \[task:1\] {2}INFO -- DirectorJobRunner: Task 1 done\n$/);
    expect(debug.indexOf('Starting task: 1')).to.be.above(debug.indexOf('Enqueuing task: 1'));
  });

  it('ends a failing operation `error`, with the failed step and an error line in the event log', async () => {
    await startRunner(h.db, [failOp]);
    const task = await h.tasks.enqueue({ type: 'test_fail', description: 'fail', params: { message: 'disk on fire' } });
    const ended = await waitForTask(h.tasks, task.id);
    expect(ended.state).to.equal('error');
    expect(ended.result).to.equal('disk on fire');
    const events = (await readLog(h.tasks, task.id, 'event'))
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    expect(events[1]).to.include({ state: 'failed', progress: 100 });
    expect(events[1].data).to.deep.equal({ error: 'disk on fire' });
    expect(events[2].error).to.deep.equal({ code: 100, message: 'disk on fire' });
  });

  it('truncates a long result at a word boundary as the Director does', async () => {
    const long = `${'word '.repeat(40)}end`;
    await startRunner(h.db, [failOp]);
    const task = await h.tasks.enqueue({ type: 'test_fail', description: 'fail', params: { message: long } });
    const ended = await waitForTask(h.tasks, task.id);
    expect(ended.result!.length).to.be.at.most(131);
    expect(ended.result).to.match(/word\.\.\.$/);
  });

  it('ends a task with bad parameters `error`, and leaves types it cannot run queued for nodes that can', async () => {
    await startRunner(h.db, [sleepOp]);
    const a = await h.tasks.enqueue({ type: 'no_such_type', description: 'x' });
    const b = await h.tasks.enqueue({ type: 'test_sleep', description: 'x', params: { ms: 'soon' } });
    const bad = await waitForTask(h.tasks, b.id);
    expect(bad.state).to.equal('error');
    expect(bad.result).to.contain('ms');
    expect((await h.tasks.get(a.id))!.state).to.equal('queued');
  });

  it('cancels a processing task through its AbortSignal: cancelling, then cancelled', async () => {
    await startRunner(h.db, [sleepOp]);
    const task = await h.tasks.enqueue({ type: 'test_sleep', description: 'long', params: { ms: 60_000 } });
    const processing = await waitForTask(h.tasks, task.id, (t) => t.state === 'processing');
    while (!(await readLog(h.tasks, task.id, 'event')).includes('"started"'))
      await new Promise((r) => setTimeout(r, 10));
    const outcome = await h.tasks.cancel(processing);
    expect(outcome.outcome).to.equal('cancelling');
    expect(outcome.task.state).to.equal('cancelling');
    const ended = await waitForTask(h.tasks, task.id);
    expect(ended.state).to.equal('cancelled');
    expect(ended.result).to.equal('task cancelled');
    const events = await readLog(h.tasks, task.id, 'event');
    expect(events).to.contain(`"error":{"code":10001,"message":"Task ${task.id} cancelled"}`);
    expect(events).to.contain('"state":"failed"');
  });

  it('cancels a queued task at once, and it never runs', async () => {
    const ran: Array<{ id: number; node: string; start: number; end: number }> = [];
    const task = await h.tasks.enqueue({ type: 'test_record', description: 'never' });
    const outcome = await h.tasks.cancel(task);
    expect(outcome.outcome).to.equal('cancelled');
    await startRunner(h.db, [recordOp(ran)]);
    const other = await h.tasks.enqueue({ type: 'test_record', description: 'runs' });
    await waitForTask(h.tasks, other.id);
    expect(ran.map((r) => r.id)).to.deep.equal([other.id]);
    const t = await h.tasks.get(task.id);
    expect(t).to.include({ state: 'cancelled', result: 'task cancelled' });
    expect(await readLog(h.tasks, task.id, 'event')).to.contain('"code":10001');
  });

  it('lets an operation check for cancellation between steps with ctx.checkpoint()', async () => {
    let steps = 0;
    const loop = defineOperation({
      type: 'test_loop',
      params: z.object({}),
      async run(_p, ctx) {
        for (;;) {
          ctx.checkpoint();
          steps++;
          await new Promise((r) => setTimeout(r, 5));
        }
      },
    });
    await startRunner(h.db, [loop]);
    const task = await h.tasks.enqueue({ type: 'test_loop', description: 'loop' });
    const p = await waitForTask(h.tasks, task.id, (t) => t.state === 'processing');
    while (steps === 0) await new Promise((r) => setTimeout(r, 5));
    await h.tasks.cancel(p);
    expect((await waitForTask(h.tasks, task.id)).state).to.equal('cancelled');
    expect(steps).to.be.greaterThan(0);
    expect(new TaskCancelledError(1).message).to.equal('Task 1 cancelled');
  });

  it('starts a task as soon as it is queued, without waiting for the poll', async () => {
    const ran: Array<{ id: number; node: string; start: number; end: number }> = [];
    await startRunner(h.db, [recordOp(ran)], { pollIntervalMs: 600_000 });
    await new Promise((r) => setTimeout(r, 50));
    const task = await h.tasks.enqueue({ type: 'test_record', description: 'quick' });
    const done = await waitForTask(h.tasks, task.id, undefined, 5_000);
    expect(done.state).to.equal('done');
  });

  it('never runs more tasks at once than it has workers', async () => {
    const ran: Array<{ id: number; node: string; start: number; end: number }> = [];
    await startRunner(h.db, [recordOp(ran, 60)], { workers: 2 });
    const ids = [];
    for (let i = 0; i < 6; i++) ids.push((await h.tasks.enqueue({ type: 'test_record', description: `t${i}` })).id);
    for (const id of ids) await waitForTask(h.tasks, id);
    // At the moment any task started, at most two were running (itself included).
    for (const r of ran) {
      const atStart = ran.filter((o) => o.start <= r.start && r.start < o.end);
      expect(atStart.length).to.be.at.most(2);
    }
    expect(ran).to.have.length(6);
  });

  it('runs the tasks of one queue one at a time in order, and other queues alongside', async () => {
    const ran: Array<{ id: number; node: string; start: number; end: number }> = [];
    await startRunner(h.db, [recordOp(ran, 40)], { workers: 4 });
    const a = [];
    const b = [];
    for (let i = 0; i < 3; i++) {
      a.push((await h.tasks.enqueue({ type: 'test_record', description: 'a', queueName: 'qa' })).id);
      b.push((await h.tasks.enqueue({ type: 'test_record', description: 'b', queueName: 'qb' })).id);
    }
    for (const id of [...a, ...b]) await waitForTask(h.tasks, id);
    for (const q of [a, b]) {
      const runs = q.map((id) => ran.find((r) => r.id === id)!);
      for (let i = 1; i < runs.length; i++) expect(runs[i].start).to.be.at.least(runs[i - 1].end);
    }
    const ra = ran.find((r) => r.id === a[0])!;
    const rb = ran.find((r) => r.id === b[0])!;
    expect(ra.start < rb.end && rb.start < ra.end, 'different queues overlap').to.equal(true);
  });

  it('times out a task whose node stopped checkpointing, with an event error line saying why', async () => {
    const task = await h.tasks.enqueue({ type: 'test_sleep', description: 'orphan', params: { ms: 1 } });
    // A node that claimed it and vanished.
    await h.db.knex.raw(
      `update tasks set state = 'processing', node_id = 'gone-node', started_at = now(),
              checkpoint_time = now() - interval '1 hour' where id = ?`,
      [task.id],
    );
    await (
      await h.tasks.openLog(task.id, 'event')
    ).write(
      Buffer.from('{"time":1,"stage":"x","tags":[],"total":1,"task":"y","index":1,"state":"started","progress":0}\n'),
    );
    await startRunner(h.db, [sleepOp], { nodeId: 'live-node', checkpointIntervalMs: 100, timeoutSeconds: 1 });
    const ended = await waitForTask(h.tasks, task.id);
    expect(ended.state).to.equal('timeout');
    const events = (await readLog(h.tasks, task.id, 'event')).trim().split('\n');
    expect(events[0]).to.contain('"state":"started"');
    expect(JSON.parse(events[1]).error.message).to.match(/node 'gone-node' stopped checkpointing it/);
  });

  it('on start, times out the tasks it was itself running before a restart', async () => {
    const task = await h.tasks.enqueue({ type: 'test_sleep', description: 'mine', params: { ms: 1 } });
    await h.db.knex.raw(
      `update tasks set state = 'processing', node_id = 'node-a', started_at = now(), checkpoint_time = now() where id = ?`,
      [task.id],
    );
    await startRunner(h.db, [sleepOp], { nodeId: 'node-a', timeoutSeconds: 3600 });
    const ended = await h.tasks.get(task.id);
    expect(ended!.state).to.equal('timeout');
    expect(await readLog(h.tasks, task.id, 'event')).to.match(/restarted while running it/);
  });

  it('keeps checkpointing a long task so a live node does not time it out', async () => {
    await startRunner(h.db, [sleepOp], { checkpointIntervalMs: 100, timeoutSeconds: 1 });
    const task = await h.tasks.enqueue({ type: 'test_sleep', description: 'long', params: { ms: 2_500 } });
    expect((await waitForTask(h.tasks, task.id)).state).to.equal('done');
  });

  it('drains on stop: a running task finishes, queued ones are left for later', async () => {
    const runner = await startRunner(h.db, [sleepOp], { workers: 1 });
    const first = await h.tasks.enqueue({ type: 'test_sleep', description: 'runs', params: { ms: 300 } });
    await waitForTask(h.tasks, first.id, (t) => t.state === 'processing');
    const second = await h.tasks.enqueue({ type: 'test_sleep', description: 'waits', params: { ms: 1 } });
    const { unfinished } = await runner.stop(5_000);
    expect(unfinished).to.deep.equal([]);
    expect((await h.tasks.get(first.id))!.state).to.equal('done');
    expect((await h.tasks.get(second.id))!.state).to.equal('queued');
  });
});
