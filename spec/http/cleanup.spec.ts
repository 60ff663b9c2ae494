import { expect } from 'chai';
import { cleanupArtifacts } from '../../src/families/director-tasks/cleanup-artifacts';
import { describeOnBothBackends } from '../support/harness';
import { asAdmin } from '../support/auth';
import { startRunner, stopRunners, waitForTask } from '../support/runners';

describeOnBothBackends('POST /cleanup (bosh clean-up)', (h) => {
  afterEach(stopRunners);

  it('answers 302 to the task, then keeps the newest N finished tasks per type and deletes the rest with their logs', async () => {
    await startRunner(h.db, [cleanupArtifacts(h.tasks)]);
    const old: number[] = [];
    for (let i = 0; i < 5; i++) {
      const t = await h.tasks.enqueue({ type: 'update_deployment', description: `deploy ${i}` });
      await h.db.knex('tasks').where({ id: t.id }).update({ state: 'done' });
      old.push(t.id);
    }
    const queued = await h.tasks.enqueue({ type: 'update_deployment', description: 'still queued', queueName: 'held' });
    await h.db.knex('tasks').where({ id: queued.id }).update({ state: 'queued' });
    const vms = await h.tasks.enqueue({ type: 'vms', description: 'vms' });
    await h.db.knex('tasks').where({ id: vms.id }).update({ state: 'error' });

    const res = await h.api
      .post('/cleanup')
      .set('Authorization', asAdmin)
      .send({ config: { remove_all: false } })
      .expect(302);
    expect(res.headers.location).to.match(/^\/tasks\/\d+$/);
    const id = Number(res.headers.location.split('/').pop());
    const task = await waitForTask(h.tasks, id);
    expect(task).to.include({ state: 'done', type: 'cleanup_artifacts', description: 'clean up' });
    expect(task.result).to.equal('Deleted 2 task(s)');
    // Retention is 3 per type in the test app: the two oldest deploys go, with their logs.
    const left = (await h.db.knex('tasks').select('id').orderBy('id')).map((r: { id: number }) => r.id);
    expect(left).to.deep.equal([old[2], old[3], old[4], queued.id, vms.id, id]);
    const orphanLogs = await h.db.knex('task_logs').whereIn('task_id', [old[0], old[1]]).count({ n: '*' });
    expect(Number(orphanLogs[0].n)).to.equal(0);
    const result = await h.api.get(`/tasks/${id}/output?type=result`).set('Authorization', asAdmin).expect(200);
    expect(JSON.parse(result.text)).to.deep.equal({ deleted_tasks: 2, kept_per_type: 3 });
    // Only the types that can hold more than 3 tasks are walked: vms (one task) and cleanup_artifacts are not.
    const events = await h.api.get(`/tasks/${id}/output?type=event`).set('Authorization', asAdmin).expect(200);
    const steps = events.text
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    expect(steps.map((e) => [e.stage, e.task, e.state])).to.deep.equal([
      ['Deleting tasks', 'update_deployment', 'started'],
      ['Deleting tasks', 'update_deployment', 'finished'],
    ]);
  });

  it('keeps a type whose tasks lie far apart but are fewer than N, and deletes from one over N', async () => {
    await startRunner(h.db, [cleanupArtifacts(h.tasks)]);
    const ids: Record<string, number[]> = { sparse: [], dense: [] };
    for (let i = 0; i < 8; i++) {
      const type = i % 4 === 0 ? 'sparse' : 'dense';
      const t = await h.tasks.enqueue({ type, description: `${type} ${i}` });
      await h.db.knex('tasks').where({ id: t.id }).update({ state: 'done' });
      ids[type].push(t.id);
    }
    const res = await h.api
      .post('/cleanup')
      .set('Authorization', asAdmin)
      .send({ config: { remove_all: false } })
      .expect(302);
    const task = await waitForTask(h.tasks, Number(res.headers.location.split('/').pop()));
    expect(task.result).to.equal('Deleted 3 task(s)');
    const left = (await h.db.knex('tasks').select('id').whereIn('type', ['sparse', 'dense']).orderBy('id')).map(
      (r: { id: number }) => r.id,
    );
    expect(left).to.deep.equal([...ids.sparse, ...ids.dense.slice(3)].sort((a, b) => a - b));
  });

  it('records the X-Bosh-Context-Id header as the task context_id, and refuses one over 64 characters', async () => {
    const res = await h.api
      .post('/cleanup')
      .set('Authorization', asAdmin)
      .set('X-Bosh-Context-Id', 'abc-123')
      .send({})
      .expect(302);
    const task = await h.api.get(res.headers.location).set('Authorization', asAdmin).expect(200);
    expect(task.body.context_id).to.equal('abc-123');
    const long = await h.api
      .post('/cleanup')
      .set('Authorization', asAdmin)
      .set('X-Bosh-Context-Id', 'x'.repeat(65))
      .send({})
      .expect(400);
    expect(long.body.code).to.equal(70010);
  });

  it('GET /cleanup/dryrun answers the empty lists the CLI reads', async () => {
    const res = await h.api.get('/cleanup/dryrun?remove_all=false').set('Authorization', asAdmin).expect(200);
    expect(res.body).to.have.keys(
      'releases',
      'stemcells',
      'compiled_packages',
      'orphaned_disks',
      'orphaned_vms',
      'exported_releases',
      'dns_blobs',
    );
  });
});
