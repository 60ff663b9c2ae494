import { expect } from 'chai';
import { describeOnBothBackends } from '../support/harness';
import { asAdmin, asReader } from '../support/auth';

describeOnBothBackends('GET /tasks/:id/output', (h) => {
  const EVENT = '{"time":1,"stage":"s","tags":[],"total":1,"task":"t","index":1,"state":"started","progress":0}\n';

  async function taskWithEvents() {
    const task = await h.tasks.enqueue({ type: 'update_deployment', description: 'x' });
    const w = await h.tasks.openLog(task.id, 'event');
    await w.write(EVENT.slice(0, 40));
    await w.write(EVENT.slice(40));
    return task;
  }

  const output = (id: number, type: string, range?: string) => {
    const req = h.api.get(`/tasks/${id}/output?type=${type}`).set('Authorization', asAdmin);
    return range ? req.set('Range', range) : req;
  };

  it('serves the whole log with 200 and text/plain', async () => {
    const task = await taskWithEvents();
    const res = await output(task.id, 'event').expect(200);
    expect(res.text).to.equal(EVENT);
    expect(res.headers['content-type']).to.match(/^text\/plain/);
    expect(res.headers['content-length']).to.equal(String(EVENT.length));
  });

  it('serves a tail with 206 and Content-Range, starting exactly at the offset', async () => {
    const task = await taskWithEvents();
    for (const from of [0, 5, 39, 40, 41, EVENT.length - 1]) {
      const res = await output(task.id, 'event', `bytes=${from}-`).expect(206);
      expect(res.text).to.equal(EVENT.slice(from));
      expect(res.headers['content-range']).to.equal(`bytes ${from}-${EVENT.length - 1}/${EVENT.length}`);
    }
  });

  it('serves closed ranges and suffix ranges', async () => {
    const task = await taskWithEvents();
    const r1 = await output(task.id, 'event', 'bytes=0-3').expect(206);
    expect(r1.text).to.equal(EVENT.slice(0, 4));
    expect(r1.headers['content-range']).to.equal(`bytes 0-3/${EVENT.length}`);
    const r2 = await output(task.id, 'event', 'bytes=-5').expect(206);
    expect(r2.text).to.equal(EVENT.slice(-5));
    const r3 = await output(task.id, 'event', `bytes=10-${EVENT.length + 100}`).expect(206);
    expect(r3.text).to.equal(EVENT.slice(10));
  });

  it('answers 416 with bytes */size when the range starts at or past the end, an empty log included', async () => {
    const task = await taskWithEvents();
    for (const from of [EVENT.length, EVENT.length + 1000]) {
      const res = await output(task.id, 'event', `bytes=${from}-`).expect(416);
      expect(res.headers['content-range']).to.equal(`bytes */${EVENT.length}`);
    }
    const res = await output(task.id, 'result', 'bytes=0-').expect(416);
    expect(res.headers['content-range']).to.equal('bytes */0');
    const whole = await output(task.id, 'result').expect(200);
    expect(whole.text).to.equal('');
  });

  it('serves the whole log for a malformed or multi-part Range, as Rack does', async () => {
    const task = await taskWithEvents();
    for (const range of ['bytes=abc', 'items=0-', 'bytes=0-1,3-4', 'bytes=5-2']) {
      const res = await output(task.id, 'event', range).expect(200);
      expect(res.text).to.equal(EVENT);
    }
  });

  it('answers 204 for type=none and for a task without a cpi log; debug is the default', async () => {
    const task = await taskWithEvents();
    await output(task.id, 'none').expect(204);
    await output(task.id, 'cpi').expect(204);
    const res = await h.api.get(`/tasks/${task.id}/output`).set('Authorization', asAdmin).expect(200);
    expect(res.text).to.contain(`Enqueuing task: ${task.id}`);
  });

  it('answers 400 for an unknown type and 404 for an unknown task', async () => {
    const task = await taskWithEvents();
    const bad = await output(task.id, 'bogus').expect(400);
    expect(bad.body).to.deep.equal({ code: 40000, description: 'Unknown type bogus' });
    const missing = await output(4242, 'event').expect(404);
    expect(missing.body.code).to.equal(10000);
  });

  it('reads a tail from a log of many chunks, whatever its size', async () => {
    const task = await h.tasks.enqueue({ type: 'update_deployment', description: 'x' });
    const w = await h.tasks.openLog(task.id, 'debug');
    const start = w.bytesWritten;
    const line = (i: number) => `line ${String(i).padStart(6, '0')} ${'x'.repeat(50)}\n`;
    for (let i = 0; i < 200; i++) await w.write(Array.from({ length: 50 }, (_, j) => line(i * 50 + j)).join(''));
    const size = w.bytesWritten;
    const tail = await output(task.id, 'debug', `bytes=${size - 4096}-`).expect(206);
    expect(Buffer.byteLength(tail.text)).to.equal(4096);
    expect(tail.text.endsWith(line(9999))).to.equal(true);
    const middle = await output(
      task.id,
      'debug',
      `bytes=${start + line(0).length * 5000}-${start + line(0).length * 5001 - 1}`,
    ).expect(206);
    expect(middle.text).to.equal(line(5000));
    const whole = await output(task.id, 'debug').expect(200);
    expect(Buffer.byteLength(whole.text)).to.equal(size);
  });

  it('lets a reader follow a log while it grows, as the BOSH CLI does', async () => {
    const task = await h.tasks.enqueue({ type: 'update_deployment', description: 'x' });
    const w = await h.tasks.openLog(task.id, 'event');
    let offset = 0;
    let seen = '';
    for (let i = 0; i < 5; i++) {
      await w.write(`{"time":${i},"type":"warning","message":"m${i}"}\n`);
      const res = await h.api
        .get(`/tasks/${task.id}/output?type=event`)
        .set('Authorization', asReader)
        .set('Range', `bytes=${offset}-`);
      expect(res.status).to.equal(206);
      seen += res.text;
      offset += Buffer.byteLength(res.text);
      const idle = await h.api
        .get(`/tasks/${task.id}/output?type=event`)
        .set('Authorization', asReader)
        .set('Range', `bytes=${offset}-`);
      expect(idle.status).to.equal(416);
    }
    expect(
      seen
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l).message),
    ).to.deep.equal(['m0', 'm1', 'm2', 'm3', 'm4']);
  });
});
