import { expect } from 'chai';
import { describeOnBothBackends } from '../support/harness';
import { asAdmin } from '../support/auth';

describeOnBothBackends('GET /tasks and /tasks/:id', (h) => {
  async function seed() {
    const a = await h.tasks.enqueue({
      type: 'update_deployment',
      description: 'create deployment',
      deploymentName: 'd1',
      username: 'admin',
    });
    const b = await h.tasks.enqueue({
      type: 'vms',
      description: 'retrieve vm-stats',
      deploymentName: 'd1',
      contextId: 'ctx-1',
    });
    const c = await h.tasks.enqueue({
      type: 'delete_deployment',
      description: 'delete deployment d2',
      deploymentName: 'd2',
    });
    await h.db
      .knex('tasks')
      .where({ id: c.id })
      .update({ state: 'error', result: 'boom', started_at: new Date(), timestamp: new Date(Date.now() + 1000) });
    return { a, b, c };
  }

  it('lists the 9-key task hashes, newest first, with timestamp null while queued', async () => {
    const { a, c } = await seed();
    const res = await h.api.get('/tasks?verbose=2').set('Authorization', asAdmin).expect(200);
    expect(res.type).to.equal('application/json');
    expect(res.body.map((t: { id: number }) => t.id)).to.deep.equal([3, 2, 1]);
    const first = res.body.find((t: { id: number }) => t.id === a.id);
    expect(Object.keys(first).sort()).to.deep.equal(
      ['context_id', 'deployment', 'description', 'id', 'result', 'started_at', 'state', 'timestamp', 'user'].sort(),
    );
    expect(first).to.include({
      state: 'queued',
      timestamp: null,
      started_at: null,
      result: null,
      user: 'admin',
      deployment: 'd1',
      context_id: '',
    });
    const failed = res.body.find((t: { id: number }) => t.id === c.id);
    expect(failed.timestamp).to.be.a('number');
    expect(failed.started_at).to.be.a('number');
  });

  it("verbose=1 (the default) lists only the Director's deployment task types", async () => {
    await seed();
    const res = await h.api.get('/tasks').set('Authorization', asAdmin).expect(200);
    expect(res.body.map((t: { id: number }) => t.id)).to.deep.equal([3, 1]);
  });

  it('filters by state (comma list, `errored` as an alias of error), deployment and context_id', async () => {
    await seed();
    const get = async (q: string) =>
      (await h.api.get(`/tasks?verbose=2&${q}`).set('Authorization', asAdmin).expect(200)).body.map(
        (t: { id: number }) => t.id,
      );
    expect(await get('state=queued')).to.deep.equal([2, 1]);
    expect(await get('state=errored')).to.deep.equal([3]);
    expect(await get('state=error,queued')).to.deep.equal([3, 2, 1]);
    expect(await get('state=processing,cancelling')).to.deep.equal([]);
    expect(await get('deployment=d1')).to.deep.equal([2, 1]);
    expect(await get('context_id=ctx-1')).to.deep.equal([2]);
  });

  it('applies limit, and treats limits below 1 or not numbers as 1, as the Director does', async () => {
    await seed();
    const ids = async (limit: string) =>
      (await h.api.get(`/tasks?verbose=2&limit=${limit}`).set('Authorization', asAdmin).expect(200)).body.length;
    expect(await ids('2')).to.equal(2);
    expect(await ids('0')).to.equal(1);
    expect(await ids('-5')).to.equal(1);
    expect(await ids('abc')).to.equal(1);
  });

  it('answers 400 for an unknown state', async () => {
    const res = await h.api.get('/tasks?state=sleeping').set('Authorization', asAdmin).expect(400);
    expect(res.body).to.deep.equal({ code: 40000, description: "Unknown task state 'sleeping'" });
  });

  it('GET /tasks/:id gives one task; unknown and malformed ids give 404 code 10000', async () => {
    await seed();
    const res = await h.api.get('/tasks/2').set('Authorization', asAdmin).expect(200);
    expect(res.body).to.include({ id: 2, description: 'retrieve vm-stats', context_id: 'ctx-1' });
    for (const id of ['999', 'abc', '0', '99999999999999999999', '-1', '1.5']) {
      const r = await h.api.get(`/tasks/${id}`).set('Authorization', asAdmin).expect(404);
      expect(r.body).to.deep.equal({ code: 10000, description: `Task ${id} not found` });
    }
  });

  it("answers 404 with the Director's text for an unknown endpoint", async () => {
    const res = await h.api.get('/nowhere').set('Authorization', asAdmin).expect(404);
    expect(res.text).to.equal("Endpoint '/nowhere' not found.");
  });
});

describeOnBothBackends(
  'GET /tasks?verbose=1 with an API family',
  (h) => {
    it("lists the task types the app's families declare, beside the Director's", async () => {
      const deploy = await h.tasks.enqueue({
        type: 'update_deployment',
        description: 'create deployment',
        deploymentName: 'd1',
      });
      const followed = await h.tasks.enqueue({ type: 'test_followed', description: "a family's long work" });
      await h.tasks.enqueue({ type: 'test_unfollowed', description: "a family's quick work" });
      const res = await h.api.get('/tasks?verbose=1').set('Authorization', asAdmin).expect(200);
      expect(res.body.map((t: { id: number }) => t.id)).to.deep.equal([followed.id, deploy.id]);
    });
  },
  { withFamilies: () => [{ operations: [], routers: [], verboseTaskTypes: ['test_followed'], migrations: [] }] },
);
