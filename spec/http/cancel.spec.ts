import { expect } from 'chai';
import { describeOnBothBackends } from '../support/harness';
import { asAdmin } from '../support/auth';
import { sleepOp, startRunner, stopRunners, waitForTask } from '../support/runners';

describeOnBothBackends('cancelling tasks', (h) => {
  afterEach(stopRunners);

  it('DELETE /task/:id cancels a queued task: 204, then cancelled with result `task cancelled`', async () => {
    const task = await h.tasks.enqueue({ type: 'update_deployment', description: 'x' });
    const res = await h.api.delete(`/task/${task.id}`).set('Authorization', asAdmin).expect(204);
    expect(res.text).to.equal('');
    const got = await h.api.get(`/tasks/${task.id}`).set('Authorization', asAdmin).expect(200);
    expect(got.body).to.include({ state: 'cancelled', result: 'task cancelled' });
    expect(got.body.timestamp).to.be.a('number');
  });

  it('DELETE /task/:id on a processing task: cancelling, then cancelled by its runner', async () => {
    await startRunner(h.db, [sleepOp]);
    const task = await h.tasks.enqueue({ type: 'test_sleep', description: 'long', params: { ms: 60_000 } });
    await waitForTask(h.tasks, task.id, (t) => t.state === 'processing');
    await h.api.delete(`/task/${task.id}`).set('Authorization', asAdmin).expect(204);
    const ended = await waitForTask(h.tasks, task.id);
    expect(ended).to.include({ state: 'cancelled', result: 'task cancelled' });
    const events = await h.api.get(`/tasks/${task.id}/output?type=event`).set('Authorization', asAdmin).expect(200);
    expect(events.text.trim().split('\n').pop()).to.contain(
      `"error":{"code":10001,"message":"Task ${task.id} cancelled"}`,
    );
  });

  it("refuses a finished task with 400 and the Director's plain-text message", async () => {
    const task = await h.tasks.enqueue({ type: 'update_deployment', description: 'x' });
    await h.db.knex('tasks').where({ id: task.id }).update({ state: 'done' });
    const res = await h.api.delete(`/task/${task.id}`).set('Authorization', asAdmin).expect(400);
    expect(res.text).to.equal(`Cannot cancel task ${task.id}: invalid state (done)`);
    expect(res.headers['content-type']).to.match(/^text\/plain/);
  });

  it('refuses a task already cancelling with 400', async () => {
    const task = await h.tasks.enqueue({ type: 'update_deployment', description: 'x' });
    await h.db.knex('tasks').where({ id: task.id }).update({ state: 'cancelling' });
    const res = await h.api.delete(`/task/${task.id}`).set('Authorization', asAdmin).expect(400);
    expect(res.text).to.equal(`Cannot cancel task ${task.id}: invalid state (cancelling)`);
  });

  it('answers 404 JSON code 10000 for an unknown task', async () => {
    const res = await h.api.delete('/task/777').set('Authorization', asAdmin).expect(404);
    expect(res.body).to.deep.equal({ code: 10000, description: 'Task 777 not found' });
  });

  it('POST /tasks/cancel cancels queued tasks by default, filtered by type and deployment', async () => {
    const a = await h.tasks.enqueue({ type: 'update_deployment', description: 'a', deploymentName: 'd1' });
    const b = await h.tasks.enqueue({ type: 'update_deployment', description: 'b', deploymentName: 'd2' });
    const c = await h.tasks.enqueue({ type: 'vms', description: 'c', deploymentName: 'd1' });
    await h.api
      .post('/tasks/cancel')
      .set('Authorization', asAdmin)
      .send({ types: ['update_deployment'], deployment: 'd1' })
      .expect(204);
    expect((await h.tasks.get(a.id))!.state).to.equal('cancelled');
    expect((await h.tasks.get(b.id))!.state).to.equal('queued');
    expect((await h.tasks.get(c.id))!.state).to.equal('queued');
    await h.api.post('/tasks/cancel').set('Authorization', asAdmin).send({}).expect(204);
    expect((await h.tasks.get(b.id))!.state).to.equal('cancelled');
    expect((await h.tasks.get(c.id))!.state).to.equal('cancelled');
  });

  it('POST /tasks/cancel refuses states that cannot be cancelled', async () => {
    const res = await h.api
      .post('/tasks/cancel')
      .set('Authorization', asAdmin)
      .send({ states: ['done'] })
      .expect(400);
    expect(res.body).to.deep.equal({
      code: 40000,
      description: 'done is not one of the cancellable states: queued, processing',
    });
  });
});
