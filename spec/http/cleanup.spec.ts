import { expect } from 'chai';
import { applyTaskRetention, RETENTION_BATCH } from '../../src/families/director-tasks/task-retention';
import { describeOnBothBackends } from '../support/harness';
import { asAdmin } from '../support/auth';

describeOnBothBackends('POST /cleanup (bosh clean-up) and task retention', (h) => {
  const finished = async (type: string, n: number, state = 'done') => {
    const ids: number[] = [];
    for (let i = 0; i < n; i++) {
      const t = await h.tasks.enqueue({ type, description: `${type} ${i}` });
      await h.db.knex('tasks').where({ id: t.id }).update({ state });
      ids.push(t.id);
    }
    return ids;
  };
  const remaining = async (types: string[]) =>
    (await h.db.knex('tasks').select('id').whereIn('type', types).orderBy('id')).map((r: { id: number }) => r.id);

  it("answers 302 to a queued delete_artifacts task described as the Director describes it, with the CLI's options", async () => {
    const plain = await h.api
      .post('/cleanup')
      .set('Authorization', asAdmin)
      .send({ config: { remove_all: false } })
      .expect(302);
    expect(plain.headers.location).to.match(/^\/tasks\/\d+$/);
    const all = await h.api
      .post('/cleanup')
      .set('Authorization', asAdmin)
      .send({ config: { remove_all: true, keep_orphaned_disks: true } })
      .expect(302);
    const rows = await h.db
      .knex('tasks')
      .whereIn(
        'id',
        [plain, all].map((r) => Number(r.headers.location.split('/').pop())),
      )
      .orderBy('id')
      .select('type', 'description', 'params');
    expect(rows.map((r) => [r.type, r.description])).to.deep.equal([
      ['delete_artifacts', 'clean up'],
      ['delete_artifacts', 'clean up all'],
    ]);
    const params = rows.map((r) => (typeof r.params === 'string' ? JSON.parse(r.params) : r.params));
    expect(params).to.deep.equal([
      { remove_all: false, keep_orphaned_disks: false },
      { remove_all: true, keep_orphaned_disks: true },
    ]);
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

  it('retention keeps the newest N finished tasks of each type and deletes the older ones with their logs', async () => {
    const old = await finished('update_deployment', 5);
    const queued = await h.tasks.enqueue({ type: 'update_deployment', description: 'still queued', queueName: 'held' });
    await h.db.knex('tasks').where({ id: queued.id }).update({ state: 'queued' });
    const vms = await finished('vms', 1, 'error');
    const logsOf = async (ids: number[]) =>
      Number((await h.db.knex('task_logs').whereIn('task_id', ids).count({ n: '*' }))[0].n);
    expect(await logsOf([old[0], old[1]])).to.be.above(0);
    // Retention is 3 per type in the test app: the two oldest deploys go, with their logs.
    const deleted = await applyTaskRetention(h.tasks, 3);
    expect(Object.fromEntries(deleted)).to.deep.equal({ update_deployment: 2 });
    expect(await remaining(['update_deployment', 'vms'])).to.deep.equal([old[2], old[3], old[4], queued.id, ...vms]);
    expect(await logsOf([old[0], old[1]])).to.equal(0);
    expect((await applyTaskRetention(h.tasks, 3)).size).to.equal(0);
  });

  it('retention keeps a type whose tasks lie far apart but are fewer than N, and deletes from one over N', async () => {
    const ids: Record<string, number[]> = { sparse: [], dense: [] };
    for (let i = 0; i < 8; i++) {
      const type = i % 4 === 0 ? 'sparse' : 'dense';
      ids[type].push(...(await finished(type, 1)));
    }
    expect(Object.fromEntries(await applyTaskRetention(h.tasks, 3))).to.deep.equal({ dense: 3 });
    expect(await remaining(['sparse', 'dense'])).to.deep.equal(
      [...ids.sparse, ...ids.dense.slice(3)].sort((a, b) => a - b),
    );
  });

  it('retention deletes past one batch in several statements, and skips a task another transaction holds', async () => {
    await h.db.knex.raw(
      `insert into tasks (type, state, description) select 'bulk', 'done', 'bulk ' || g from generate_series(1, ?::int) g`,
      [RETENTION_BATCH * 2 + 10],
    );
    const count = async () => Number((await h.db.knex('tasks').where({ type: 'bulk' }).count({ n: '*' }))[0].n);
    if (h.backend === 'embedded') {
      // One connection: no other transaction can hold a row, so only the batches are seen here.
      expect(Object.fromEntries(await applyTaskRetention(h.tasks, 5))).to.deep.equal({ bulk: RETENTION_BATCH * 2 + 5 });
      expect(await count()).to.equal(5);
      return;
    }
    const oldest = Number((await h.db.knex('tasks').where({ type: 'bulk' }).min({ m: 'id' }))[0].m);
    const trx = await h.db.knex.transaction();
    try {
      await trx.raw('select id from tasks where id = ? for update', [oldest]);
      const deleted = await applyTaskRetention(h.tasks, 5);
      expect(deleted.get('bulk')).to.equal(RETENTION_BATCH * 2 + 4);
    } finally {
      await trx.rollback();
    }
    expect(await count()).to.equal(6);
    expect(Object.fromEntries(await applyTaskRetention(h.tasks, 5))).to.deep.equal({ bulk: 1 });
  });
});
