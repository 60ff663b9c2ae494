import { expect } from 'chai';
import { asAdmin, asReader } from '../support/auth';
import { describeOnBothBackends } from '../support/harness';
import { testScheduler } from './support';

const valid = {
  name: 'nightly clean-up',
  operation: 'cleanup',
  run_at: '0 1 * * *',
  job_config_params: { remove_all: false },
};

describeOnBothBackends(
  'scheduler job configurations (/api/v1/scheduler/job-configs)',
  (h) => {
    beforeEach(async () => h.db.knex.raw('truncate scheduler_job_configs, scheduler_runs'));
    const create = (body: Record<string, unknown>) =>
      h.api.post('/api/v1/scheduler/job-configs').set('Authorization', asAdmin).send(body);

    it('creates a config in the seed shape with its next run in UTC, and keeps disabled: true', async () => {
      const res = await create({ ...valid, description: 'd', run_on: 'any' }).expect(201);
      expect(res.body).to.include({
        name: 'nightly clean-up',
        operation: 'cleanup',
        run_at: '0 1 * * *',
        run_on: 'any',
        description: 'd',
        disabled: false,
        start_date: null,
        end_date: null,
      });
      expect(res.body.uri).to.equal(`bosun:scheduler:job_configs:${res.body.id}`);
      expect(res.body.job_config_params).to.deep.equal({ remove_all: false });
      expect(res.body.next_run_at).to.match(/T01:00:00\.000Z$/);
      const off = await create({ ...valid, disabled: true }).expect(201);
      expect(off.body).to.include({ disabled: true, next_run_at: null });
      const read = await h.api
        .get(`/api/v1/scheduler/job-configs/${off.body.id}`)
        .set('Authorization', asReader)
        .expect(200);
      expect(read.body.disabled).to.equal(true);
    });

    it("takes the seed's <operation>_params spelling, names, ? and macros, a time zone, and dates", async () => {
      const res = await create({
        name: 'n',
        operation: 'cleanup',
        run_at: '30 2 ? jan-dec mon-FRI',
        cleanup_params: { remove_all: true },
        time_zone: 'Europe/Paris',
        start_date: '2030-01-01T00:00:00Z',
        end_date: '2031-01-01T00:00:00+01:00',
      }).expect(201);
      expect(res.body.job_config_params).to.deep.equal({ remove_all: true });
      expect(res.body.next_run_at).to.equal('2030-01-01T01:30:00.000Z');
      expect(res.body.end_date).to.equal('2030-12-31T23:00:00.000Z');
      await create({ ...valid, run_at: '@hourly' }).expect(201);
      await create({ ...valid, run_at: '@DAILY' }).expect(201);
    });

    it('answers every bad field with a 400 in CipherTrust shape naming it, and stores nothing', async () => {
      const cases: Array<[Record<string, unknown>, string]> = [
        [{ ...valid, run_at: '0 1 * *' }, 'run_at'],
        [{ ...valid, run_at: '61 * * * *' }, 'run_at'],
        [{ ...valid, run_at: '0 0 L * *' }, 'run_at'],
        [{ ...valid, run_at: '? * * * *' }, 'run_at'],
        [{ ...valid, run_at: '@often' }, 'run_at'],
        [{ ...valid, operation: 'launch_missiles' }, 'operation'],
        [{ ...valid, start_date: '2026-13-01' }, 'start_date'],
        [{ ...valid, end_date: 'tomorrow' }, 'end_date'],
        [{ ...valid, start_date: '2030-01-02T00:00:00Z', end_date: '2030-01-01T00:00:00Z' }, 'end_date'],
        [{ ...valid, time_zone: 'Mars/Olympus' }, 'time_zone'],
        [{ ...valid, colour: 'red' }, 'colour'],
        [{ ...valid, disabled: 'yes' }, 'disabled'],
        [{ ...valid, misfire: 'sometimes' }, 'misfire'],
        [{ ...valid, job_config_params: { remove_all: 'no' } }, 'job_config_params.remove_all'],
        [{ ...valid, job_config_params: { wipe: true } }, 'job_config_params.wipe'],
        [{ ...valid, cleanup_params: {} }, 'job_config_params, cleanup_params'],
        [{ operation: 'cleanup', run_at: '* * * * *' }, 'name'],
        [{ ...valid, name: 'a\u0000b' }, ''],
      ];
      for (const [body, field] of cases) {
        const res = await create(body).expect(400);
        expect(res.body).to.have.keys('code', 'codeDesc', 'message', 'requestID');
        expect(res.body.message, JSON.stringify(body)).to.include(`'${field}'`.replace("''", ''));
      }
      await h.api
        .post('/api/v1/scheduler/job-configs')
        .set('Authorization', asAdmin)
        .set('Content-Type', 'application/json')
        .send('{"name":')
        .expect(400);
      const [{ n }] = await h.db.knex('scheduler_job_configs').count({ n: '*' });
      expect(Number(n)).to.equal(0);
    });

    it('lists with skip, limit, sort and filters in the seed envelope', async () => {
      for (const name of ['b', 'a', 'c']) await create({ ...valid, name, disabled: name === 'c' }).expect(201);
      const all = await h.api.get('/api/v1/scheduler/job-configs?sort=name').set('Authorization', asReader).expect(200);
      expect(all.body).to.include({ skip: 0, limit: 10, total: 3 });
      expect(all.body.resources.map((r: { name: string }) => r.name)).to.deep.equal(['a', 'b', 'c']);
      const page = await h.api
        .get('/api/v1/scheduler/job-configs?sort=-name&skip=1&limit=1')
        .set('Authorization', asReader)
        .expect(200);
      expect(page.body.total).to.equal(3);
      expect(page.body.resources.map((r: { name: string }) => r.name)).to.deep.equal(['b']);
      const off = await h.api
        .get('/api/v1/scheduler/job-configs?disabled=true')
        .set('Authorization', asReader)
        .expect(200);
      expect(off.body.resources.map((r: { name: string }) => r.name)).to.deep.equal(['c']);
      const named = await h.api
        .get('/api/v1/scheduler/job-configs?name=a&operation=cleanup')
        .set('Authorization', asReader)
        .expect(200);
      expect(named.body.total).to.equal(1);
      const later = await h.api
        .get('/api/v1/scheduler/job-configs?createdAfter=2999-01-01T00:00:00Z')
        .set('Authorization', asReader)
        .expect(200);
      expect(later.body.total).to.equal(0);
      for (const q of ['sort=colour', 'limit=-1', 'skip=x', 'createdBefore=yesterday', 'disabled=maybe', 'id=12']) {
        const res = await h.api.get(`/api/v1/scheduler/job-configs?${q}`).set('Authorization', asReader).expect(400);
        expect(res.body.message).to.include(`'${q.split('=')[0]}'`);
      }
    });

    it('patches what may change, clears dates with null, refuses immutable and unknown fields by name', async () => {
      const c = (await create({ ...valid, start_date: '2030-01-01T00:00:00Z' }).expect(201)).body;
      const url = `/api/v1/scheduler/job-configs/${c.id}`;
      const p = await h.api
        .patch(url)
        .set('Authorization', asAdmin)
        .send({ run_at: '15 3 * * *', start_date: null, description: 'x', cleanup_params: { remove_all: true } })
        .expect(200);
      expect(p.body).to.include({ run_at: '15 3 * * *', start_date: null, description: 'x' });
      expect(p.body.job_config_params).to.deep.equal({ remove_all: true });
      expect(p.body.next_run_at).to.match(/T03:15:00\.000Z$/);
      expect(new Date(p.body.next_run_at).getTime()).to.be.below(new Date('2030-01-01').getTime());
      const off = await h.api.patch(url).set('Authorization', asAdmin).send({ disabled: true }).expect(200);
      expect(off.body.next_run_at).to.equal(null);
      for (const [body, field] of [
        [{ operation: 'sleep' }, 'operation'],
        [{ id: c.id }, 'id'],
        [{ next_run_at: null }, 'next_run_at'],
        [{ run_at: 'x' }, 'run_at'],
        [{ end_date: '2000-01-01T00:00:00Z', start_date: '2001-01-01T00:00:00Z' }, 'end_date'],
      ] as const) {
        const res = await h.api.patch(url).set('Authorization', asAdmin).send(body).expect(400);
        expect(res.body.message).to.include(`'${field}'`);
      }
      expect((await h.api.get(url).set('Authorization', asAdmin).expect(200)).body.run_at).to.equal('15 3 * * *');
    });

    it('deletes a config (204), then 404 NCERRResourceNotFound; readers can read but not write', async () => {
      const c = (await create(valid).expect(201)).body;
      await h.api.delete(`/api/v1/scheduler/job-configs/${c.id}`).set('Authorization', asReader).expect(403);
      await h.api.post('/api/v1/scheduler/job-configs').set('Authorization', asReader).send(valid).expect(403);
      await h.api.delete(`/api/v1/scheduler/job-configs/${c.id}`).set('Authorization', asAdmin).expect(204);
      const gone = await h.api.get(`/api/v1/scheduler/job-configs/${c.id}`).set('Authorization', asAdmin).expect(404);
      expect(gone.body).to.include({ code: 16, codeDesc: `NCERRResourceNotFound: ${gone.body.message}` });
      await h.api.get('/api/v1/scheduler/job-configs/not-an-id').set('Authorization', asAdmin).expect(404);
      const anon = await h.api.get('/api/v1/scheduler/job-configs').expect(401);
      expect(anon.body).to.include({ code: 3, codeDesc: `NCERRAuthFailed: ${anon.body.message}` });
    });
  },
  { withFamilies: (h) => [testScheduler(h.db, h.tasks)] },
);
