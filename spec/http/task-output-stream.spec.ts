import { expect } from 'chai';
import { z } from 'zod';
import { openDatabase, Database } from '../../src/db/database';
import { defineOperation } from '../../src/runner/operation';
import { TaskService } from '../../src/tasks/task-service';
import { asAdmin, asReader } from '../support/auth';
import { resetDatabase, silentLog } from '../support/databases';
import { bytesOf, EventStreamClient, LiveServer, SseEvent } from '../support/event-stream';
import { describeOnBothBackends } from '../support/harness';
import { startRunner, stopRunners, waitForTask } from '../support/runners';
import { TEST_DATABASE_URL } from '../support/test-env';

/** Writes the debug lines the spec hands it, one at a time, and ends when the spec says so. */
class Script {
  private queue: Array<string | null> = [];
  private wake: (() => void) | null = null;

  say(line: string | null): void {
    this.queue.push(line);
    this.wake?.();
  }

  async next(): Promise<string | null> {
    while (!this.queue.length) await new Promise<void>((r) => (this.wake = r));
    return this.queue.shift()!;
  }
}

const scripts = new Map<number, Script>();
const scriptOf = (id: number) => {
  let s = scripts.get(id);
  if (!s) scripts.set(id, (s = new Script()));
  return s;
};

const scriptedOp = defineOperation({
  type: 'test_scripted',
  params: z.object({}).passthrough(),
  async run(_params, ctx) {
    const script = scriptOf(ctx.task.id);
    for (let line = await script.next(); line !== null; line = await script.next()) await ctx.debug(line);
    return 'said everything';
  },
});

const streamHeaders = (auth: string, extra: Record<string, string> = {}) => ({
  Authorization: auth,
  Accept: 'text/event-stream',
  ...extra,
});

const textOf = (events: SseEvent[]) => bytesOf(events).toString('utf8');
const endOf = (events: SseEvent[]) => events.find((e) => e.event === 'end');

describeOnBothBackends('GET /tasks/:id/output with Accept: text/event-stream', (h) => {
  let server: LiveServer;
  const open: EventStreamClient[] = [];
  const follow = async (path: string, headers: Record<string, string>) => {
    const c = await server.open(path, headers);
    open.push(c);
    return c;
  };

  before(async () => {
    server = await LiveServer.start(h.app);
  });
  after(async () => server.stop());
  afterEach(async () => {
    for (const c of open.splice(0)) c.close();
    await stopRunners();
  });

  it('streams the log from the start, each append as it is stored, then its end when the task ends', async () => {
    await startRunner(h.db, [scriptedOp]);
    const task = await h.tasks.enqueue({ type: 'test_scripted', description: 'chatty' });
    await waitForTask(h.tasks, task.id, (t) => t.state === 'processing');
    const stream = await follow(`/tasks/${task.id}/output?type=debug`, streamHeaders(asAdmin));
    expect(stream.status).to.equal(200);
    expect(stream.res.headers['content-type']).to.match(/^text\/event-stream/);
    expect(stream.res.headers['cache-control']).to.equal('no-cache');
    const script = scriptOf(task.id);
    for (const word of ['first', 'second', 'third']) {
      script.say(`line ${word}`);
      // Each line arrives while the task still runs: nothing waits for its end.
      await stream.waitFor((events) => textOf(events).includes(`line ${word}`));
      expect(endOf(stream.events)).to.equal(undefined);
    }
    script.say(null);
    const events = await stream.done();
    const stored = (await h.api.get(`/tasks/${task.id}/output?type=debug`).set('Authorization', asAdmin)).text;
    expect(textOf(events)).to.equal(stored);
    const end = endOf(events)!;
    expect(JSON.parse(end.data)).to.deep.equal({ state: 'done', size: Buffer.byteLength(stored) });
    // Every id is the offset just past its event's bytes.
    let offset = 0;
    for (const e of events.filter((x) => x.event !== 'end')) {
      offset += bytesOf([e]).length;
      expect(e.id).to.equal(String(offset));
    }
  });

  it('resumes from Last-Event-ID with nothing lost or repeated, and from ?offset=', async () => {
    const task = await h.tasks.enqueue({ type: 'update_deployment', description: 'x' });
    const w = await h.tasks.openLog(task.id, 'event');
    await w.write('{"n":1}\n');
    const first = await follow(`/tasks/${task.id}/output?type=event`, streamHeaders(asReader));
    await first.waitFor((events) => textOf(events) === '{"n":1}\n');
    await w.write('{"n":2}\n');
    await first.waitFor((events) => textOf(events).endsWith('{"n":2}\n'));
    const lastId = first.events.at(-1)!.id!;
    first.close();
    await w.write('{"n":3}\n');
    await w.write('{"n":4}\n');
    const again = await follow(
      `/tasks/${task.id}/output?type=event`,
      streamHeaders(asReader, { 'Last-Event-ID': lastId }),
    );
    await again.waitFor((events) => textOf(events).endsWith('{"n":4}\n'));
    expect(textOf(first.events) + textOf(again.events)).to.equal('{"n":1}\n{"n":2}\n{"n":3}\n{"n":4}\n');

    const fromOffset = await follow(`/tasks/${task.id}/output?type=event&offset=8`, streamHeaders(asReader));
    await fromOffset.waitFor((events) => textOf(events).endsWith('{"n":4}\n'));
    expect(textOf(fromOffset.events)).to.equal('{"n":2}\n{"n":3}\n{"n":4}\n');
    // Last-Event-ID (what a reconnecting EventSource sends) wins over the offset it was opened with.
    const both = await follow(
      `/tasks/${task.id}/output?type=event&offset=0`,
      streamHeaders(asReader, { 'Last-Event-ID': '24' }),
    );
    await both.waitFor((events) => textOf(events).length > 0);
    expect(textOf(both.events)).to.equal('{"n":4}\n');
  });

  it('ends at once for an ended task: its bytes past the offset and the end, or 204 when none are left', async () => {
    const task = await h.tasks.enqueue({ type: 'update_deployment', description: 'x' });
    await (await h.tasks.openLog(task.id, 'result')).write('{"ok":true}\n');
    await h.tasks.cancel(task);
    const whole = await follow(`/tasks/${task.id}/output?type=result`, streamHeaders(asReader));
    const events = await whole.done();
    expect(textOf(events)).to.equal('{"ok":true}\n');
    expect(JSON.parse(endOf(events)!.data)).to.deep.equal({ state: 'cancelled', size: 12 });
    const rest = await follow(`/tasks/${task.id}/output?type=result&offset=12`, streamHeaders(asReader));
    expect(rest.status).to.equal(204);
    const cancelledLine = await follow(`/tasks/${task.id}/output?type=event`, streamHeaders(asReader));
    expect(textOf(await cancelledLine.done())).to.contain(`Task ${task.id} cancelled`);
  });

  it('gives bytes that are not plain text exactly: base64 for a carriage return or bad UTF-8, whole characters', async () => {
    const task = await h.tasks.enqueue({ type: 'update_deployment', description: 'x' });
    const w = await h.tasks.openLog(task.id, 'debug');
    const start = w.bytesWritten;
    const euro = Buffer.from('€', 'utf8');
    const parts = [
      Buffer.concat([Buffer.from('price '), euro.subarray(0, 1)]),
      Buffer.concat([euro.subarray(1), Buffer.from(' 5\n')]),
      Buffer.from('progress 10%\rprogress 20%\n'),
      Buffer.from([0xff, 0xfe, 0x00, 0x41]),
      Buffer.from('tail\n'),
    ];
    const stream = await follow(`/tasks/${task.id}/output?type=debug&offset=${start}`, streamHeaders(asAdmin));
    // The character cut in two first, alone (appends read together go as one event, base64 if any is not text).
    await w.write(parts[0]);
    await w.write(parts[1]);
    await stream.waitFor((events) => bytesOf(events).length === parts[0].length + parts[1].length);
    for (const p of parts.slice(2)) await w.write(p);
    const want = Buffer.concat(parts);
    await stream.waitFor((events) => bytesOf(events).length >= want.length);
    const events = stream.events;
    expect(bytesOf(events).equals(want)).to.equal(true);
    expect(events.find((e) => e.data.includes('€'))!.event).to.equal('message');
    expect(events.filter((e) => e.event === 'bytes').length).to.be.at.least(1);
  });

  it("keeps the Range route's rules: debug needs an admin, a bad offset is a 400, an unknown task a 404", async () => {
    const task = await h.tasks.enqueue({ type: 'update_deployment', description: 'x' });
    const denied = await h.api
      .get(`/tasks/${task.id}/output?type=debug`)
      .set('Authorization', asReader)
      .set('Accept', 'text/event-stream')
      .expect(401);
    expect(denied.body).to.deep.equal({ code: 600000, description: 'Require one of the scopes: bosh.admin' });
    await h.api.get(`/tasks/${task.id}/output?type=event`).set('Accept', 'text/event-stream').expect(401);
    for (const [header, value] of [
      ['Last-Event-ID', 'abc'],
      ['Last-Event-ID', '-1'],
    ]) {
      const res = await h.api
        .get(`/tasks/${task.id}/output?type=event`)
        .set('Authorization', asAdmin)
        .set('Accept', 'text/event-stream')
        .set(header, value)
        .expect(400);
      expect(res.body).to.deep.equal({
        code: 40000,
        description: `Last-Event-ID must be a byte offset (a whole number), not '${value}'`,
      });
    }
    const badOffset = await h.api
      .get(`/tasks/${task.id}/output?type=event&offset=1e3`)
      .set('Authorization', asAdmin)
      .set('Accept', 'text/event-stream')
      .expect(400);
    expect(badOffset.body.code).to.equal(40000);
    const missing = await h.api
      .get('/tasks/4242/output?type=event')
      .set('Authorization', asAdmin)
      .set('Accept', 'text/event-stream')
      .expect(404);
    expect(missing.body.code).to.equal(10000);
  });

  it('stops following when the client goes away', async () => {
    const task = await h.tasks.enqueue({ type: 'update_deployment', description: 'x' });
    const stream = await follow(`/tasks/${task.id}/output?type=event`, streamHeaders(asAdmin));
    await stream.waitFor(() => h.tasks.followed.followers === 1);
    stream.close();
    const deadline = Date.now() + 5000;
    while (h.tasks.followed.followers !== 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    expect(h.tasks.followed).to.deep.equal({ logs: 0, followers: 0 });
  });
});

describe('following a task log across nodes on one PostgreSQL', () => {
  let runnerDb: Database;
  let clientDb: Database;
  before(async () => {
    runnerDb = await openDatabase({ url: TEST_DATABASE_URL, dataDir: '', poolSize: 4, log: silentLog });
    clientDb = await openDatabase({ url: TEST_DATABASE_URL, dataDir: '', poolSize: 4, log: silentLog });
  });
  beforeEach(async () => resetDatabase(runnerDb));
  after(async () => {
    await runnerDb.close();
    await clientDb.close();
  });
  afterEach(stopRunners);

  it('gives a follower on node A the lines of a task running on node B as they are stored, then its end', async () => {
    const clientTasks = new TaskService(clientDb);
    await startRunner(runnerDb, [scriptedOp], { nodeId: 'node-b' });
    const runnerTasks = new TaskService(runnerDb);
    const task = await runnerTasks.enqueue({ type: 'test_scripted', description: 'elsewhere' });
    await waitForTask(runnerTasks, task.id, (t) => t.state === 'processing');
    const received: Buffer[] = [];
    const stop = new AbortController();
    const following = (async () => {
      for await (const item of clientTasks.followLog(task.id, 'debug', 0, stop.signal)) {
        if (item.kind === 'bytes') received.push(item.data);
        else return item;
      }
      return null;
    })();
    const script = scriptOf(task.id);
    script.say('from node b');
    const deadline = Date.now() + 10_000;
    while (!Buffer.concat(received).toString().includes('from node b') && Date.now() < deadline)
      await new Promise((r) => setTimeout(r, 10));
    expect(Buffer.concat(received).toString()).to.contain('from node b');
    script.say(null);
    const end = await following;
    expect(end).to.deep.include({ kind: 'end', state: 'done' });
    const stored = Buffer.concat(
      await (async () => {
        const parts: Buffer[] = [];
        for await (const p of runnerTasks.readLog(task.id, 'debug', 0, end!.size)) parts.push(p);
        return parts;
      })(),
    );
    expect(Buffer.concat(received).equals(stored)).to.equal(true);
  });
});
