import { expect } from 'chai';
import { TaskLostError } from '../../src/errors/task-cancelled';
import { FinishBatcher } from '../../src/tasks/finish-batcher';
import { LogAppendBatcher } from '../../src/tasks/log-append-batcher';
import { TasksRepo } from '../../src/tasks/tasks-repo';
import { describeOnBothBackends, Harness } from '../support/harness';
import { readLog } from '../support/runners';

async function processingTasks(h: Harness, n: number, nodeId: string): Promise<number[]> {
  const ids: number[] = [];
  for (let i = 0; i < n; i++) ids.push((await h.tasks.enqueue({ type: 'test_sleep', description: `t${i}` })).id);
  await h.db
    .knex('tasks')
    .whereIn('id', ids)
    .update({ state: 'processing', node_id: nodeId, started_at: new Date(), checkpoint_time: new Date() });
  return ids;
}

describeOnBothBackends('commits shared between tasks', (h) => {
  it('stores the log chunks of several tasks in one go; a chunk another node stored fails only its own append', async () => {
    const [a, b] = await processingTasks(h, 2, 'node-a');
    const batcher = new LogAppendBatcher(h.db.knex);
    await h.db.knex('task_logs').insert({ task_id: a, log: 'event', start_offset: 0, data: Buffer.from('taken\n') });
    const results = await Promise.allSettled([
      batcher.append({ taskId: a, log: 'event', startOffset: 0, data: Buffer.from('mine\n') }),
      batcher.append({ taskId: b, log: 'event', startOffset: 0, data: Buffer.from('first\n') }),
      batcher.append({ taskId: b, log: 'event', startOffset: 6, data: Buffer.from('second\n') }),
    ]);
    expect(results[0].status).to.equal('rejected');
    expect((results[0] as PromiseRejectedResult).reason).to.be.instanceOf(TaskLostError);
    expect(results.slice(1).map((r) => r.status)).to.deep.equal(['fulfilled', 'fulfilled']);
    expect(await readLog(h.tasks, b, 'event')).to.equal('first\nsecond\n');
    expect(await readLog(h.tasks, a, 'event')).to.equal('taken\n');
  });

  it('a log chunk the database refuses fails alone: the chunks sent with it are stored', async () => {
    const [a, b] = await processingTasks(h, 2, 'node-a');
    const batcher = new LogAppendBatcher(h.db.knex);
    const results = await Promise.allSettled([
      batcher.append({ taskId: a, log: 'event', startOffset: 0, data: Buffer.from('alone\n') }),
      // These two wait for the first statement, then share the next one, which the missing task fails.
      batcher.append({ taskId: b + 1000, log: 'event', startOffset: 0, data: Buffer.from('no such task\n') }),
      batcher.append({ taskId: b, log: 'event', startOffset: 0, data: Buffer.from('mine\n') }),
    ]);
    expect(results.map((r) => r.status)).to.deep.equal(['fulfilled', 'rejected', 'fulfilled']);
    expect(await readLog(h.tasks, a, 'event')).to.equal('alone\n');
    expect(await readLog(h.tasks, b, 'event')).to.equal('mine\n');
  });

  it('ends several tasks in one statement with their last chunks; a task whose chunk conflicts fails alone', async () => {
    const [a, b, c] = await processingTasks(h, 3, 'node-a');
    await h.db.knex('tasks').where({ id: c }).update({ node_id: 'node-b' });
    await h.db.knex('task_logs').insert({ task_id: a, log: 'result', start_offset: 0, data: Buffer.from('x') });
    const finishes = new FinishBatcher(h.db.knex, new TasksRepo(h.db.knex), 'node-a', h.db.notifier.viaDatabase);
    const results = await Promise.allSettled([
      finishes.finish({
        id: a,
        state: 'done',
        result: 'a',
        chunks: [{ log: 'result', offset: 0, data: Buffer.from('conflict') }],
      }),
      finishes.finish({
        id: b,
        state: 'error',
        result: 'b failed',
        chunks: [{ log: 'event', offset: 0, data: Buffer.from('{"time":1}\n') }],
      }),
      finishes.finish({ id: c, state: 'done', result: 'not mine', chunks: [] }),
    ]);
    expect(results[0].status).to.equal('rejected');
    expect(results[1]).to.deep.equal({ status: 'fulfilled', value: true });
    expect(results[2]).to.deep.equal({ status: 'fulfilled', value: false });
    const states = Object.fromEntries(
      (await h.db.knex('tasks').whereIn('id', [a, b, c]).select('id', 'state', 'result')).map((r) => [
        r.id,
        [r.state, r.result],
      ]),
    );
    expect(states).to.deep.equal({ [a]: ['processing', null], [b]: ['error', 'b failed'], [c]: ['processing', null] });
    expect(await readLog(h.tasks, b, 'event')).to.equal('{"time":1}\n');
  });
});

describeOnBothBackends('tasks queued at the same time', (h) => {
  it('share statements, and each gets its own task, in the order queued, with its debug lines', async () => {
    let statements = 0;
    const count = (q: { sql: string }) => void (q.sql.includes('bosun_enqueue_tasks') && statements++);
    h.db.knex.on('query', count);
    const tasks = await Promise.all(
      Array.from({ length: 20 }, (_, i) =>
        h.tasks.enqueue({ type: 'test_sleep', description: `t${i}`, params: { i } }),
      ),
    ).finally(() => h.db.knex.off('query', count));
    expect(statements).to.be.within(2, 19);
    expect(tasks.map((t) => t.description)).to.deep.equal(Array.from({ length: 20 }, (_, i) => `t${i}`));
    expect(tasks.map((t) => t.id)).to.deep.equal(Array.from({ length: 20 }, (_, i) => i + 1));
    expect(tasks.every((t) => t.state === 'queued')).to.equal(true);
    for (const t of tasks)
      expect(await readLog(h.tasks, t.id, 'debug')).to.contain(
        `[task:${t.id}]  INFO -- TaskHelper: Enqueuing task: ${t.id}\n`,
      );
    expect((await h.tasks.get(7))!.params).to.deep.equal({ i: 6 });
  });

  it('a task the database refuses fails alone: the others queued with it are stored', async () => {
    const results = await Promise.allSettled([
      h.tasks.enqueue({ type: 'test_sleep', description: 'first' }),
      h.tasks.enqueue({ type: 'test_sleep', description: 'refused', contextId: 'x'.repeat(65) }),
      h.tasks.enqueue({ type: 'test_sleep', description: 'third' }),
    ]);
    expect(results.map((r) => r.status)).to.deep.equal(['fulfilled', 'rejected', 'fulfilled']);
    const stored = (await h.db.knex('tasks').select('description').orderBy('id')).map(
      (r: { description: string }) => r.description,
    );
    expect(stored).to.deep.equal(['first', 'third']);
  });
});
