import { expect } from 'chai';
import { asAdmin, asReader } from '../support/auth';
import { describeOnBothBackends } from '../support/harness';
import { modulesRoot, testSyncs } from './support';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const { root } = modulesRoot();

const task = (over: Record<string, unknown> = {}) => ({
  name: 'web-hosts',
  description: 'writes the web instances to a file',
  module: 'writer',
  variables: { out: '/tmp/nowhere.json' },
  condition: { instances: { deployment: 'web' } },
  ...over,
});

describeOnBothBackends(
  'sync tasks: the CTS task API (/v1/tasks)',
  (h) => {
    const create = (body: unknown, query = '') =>
      h.api
        .post(`/v1/tasks${query}`)
        .set('Authorization', asAdmin)
        .send(body as object);
    const count = async () => Number((await h.db.knex('sync_tasks').count({ n: '*' }))[0].n);

    it('creates a task, answers it back in CTS shape with defaults, and lists and reads it', async () => {
      const res = await create({ task: task() }).expect(201);
      expect(res.headers['content-type']).to.equal('application/json');
      expect(res.body.request_id).to.match(UUID);
      expect(res.body.task).to.deep.equal({
        buffer_period: { enabled: true, min: '5s', max: '20s' },
        condition: { instances: { deployment: 'web', instance_group: null, use_as_module_input: true } },
        description: 'writes the web instances to a file',
        enabled: true,
        module: 'writer',
        module_input: {},
        name: 'web-hosts',
        providers: [],
        variables: { out: '/tmp/nowhere.json' },
        version: '',
      });
      const list = await h.api.get('/v1/tasks').set('Authorization', asReader).expect(200);
      expect(list.headers['content-type']).to.equal('application/json');
      expect(list.body.request_id).to.match(UUID);
      expect(list.body.tasks).to.deep.equal([res.body.task]);
      const one = await h.api.get('/v1/tasks/web-hosts').set('Authorization', asReader).expect(200);
      expect(one.body.task).to.deep.equal(res.body.task);
      expect(one.body.request_id).to.not.equal(list.body.request_id);
    });

    it('keeps a buffer period, a secrets or schedule condition and module_input as given', async () => {
      const a = await create({ task: task({ name: 'a', buffer_period: { min: '2s' } }) }).expect(201);
      expect(a.body.task.buffer_period).to.deep.equal({ enabled: true, min: '2s', max: '8s' });
      const b = await create({
        task: task({
          name: 'b',
          condition: { secrets: { path: 'app/db', recurse: true } },
          buffer_period: { enabled: false },
        }),
      }).expect(201);
      expect(b.body.task.condition).to.deep.equal({
        secrets: { path: '/app/db', recurse: true, use_as_module_input: true },
      });
      expect(b.body.task.buffer_period.enabled).to.equal(false);
      const c = await create({
        task: task({
          name: 'c',
          condition: { schedule: { cron: '*/5 * * * *' } },
          module_input: { instances: { deployment: 'web', instance_group: 'api' } },
        }),
      }).expect(201);
      expect(c.body.task.module_input).to.deep.equal({ instances: { deployment: 'web', instance_group: 'api' } });
      const row = await h.db.knex('sync_tasks').where({ name: 'c' }).first();
      expect(row.next_tick_at).to.not.equal(null);
    });

    it('answers every bad task with a 400 naming the field, in CTS error shape, and stores nothing', async () => {
      const big = { out: 'x'.repeat(10 * 1024 * 1024) };
      const cases: Array<[unknown, string]> = [
        [{ task: task({ colour: 'red' }) }, 'task.colour'],
        [{ task: task(), extra: 1 }, 'extra'],
        [
          { task: task({ condition: { instances: { deployment: 'web', colour: 1 } } }) },
          'task.condition.instances.colour',
        ],
        [{ task: task({ condition: { services: { names: ['web'] } } }) }, 'task.condition.services'],
        [{ task: task({ condition: {} }) }, 'task.condition'],
        [
          { task: task({ condition: { instances: { deployment: 'web' }, schedule: { cron: '* * * * *' } } }) },
          'task.condition',
        ],
        [{ task: task({ condition: { schedule: { cron: '0 0 30 2 *' } } }) }, 'task.condition.schedule.cron'],
        [{ task: task({ condition: { schedule: { cron: 'often' } } }) }, 'task.condition.schedule.cron'],
        [{ task: task({ name: 'bad name' }) }, 'task.name'],
        [{ task: task({ name: 'request_id' }) }, 'task.name'],
        [{ task: task({ enabled: 'yes' }) }, 'task.enabled'],
        [{ task: task({ module: '../../etc' }) }, 'task.module'],
        [{ task: task({ module: '/etc' }) }, 'task.module'],
        [{ task: task({ module: 'nope' }) }, 'task.module'],
        [{ task: task({ module: 'git::https://example.com/m.git' }) }, 'task.module'],
        [{ task: task({ module: 'bosun://modules/missing' }) }, 'task.module'],
        [{ task: task({ version: '1.0.0' }) }, 'task.version'],
        [{ task: task({ variables: big }) }, 'task.variables'],
        [{ task: task({ variables: { services: 1 } }) }, 'task.variables.services'],
        [{ task: task({ variables: { '1x': 1 } }) }, 'task.variables.1x'],
        [{ task: task({ buffer_period: { min: 'soon' } }) }, 'task.buffer_period.min'],
        [{ task: task({ buffer_period: { min: '10s', max: '5s' } }) }, 'task.buffer_period.max'],
        [{ task: task({ module_input: { instances: { deployment: 'x' } } }) }, 'task.module_input.instances'],
        [{ task: task({ providers: 'aws' }) }, 'task.providers'],
        [{ task: { name: 'x', condition: { instances: { deployment: 'web' } } } }, 'task.module'],
        [{}, 'task'],
      ];
      for (const [body, field] of cases) {
        const res = await create(body);
        expect(res.status, `${JSON.stringify(body).slice(0, 200)} → ${res.text.slice(0, 300)}`).to.equal(400);
        expect(res.headers['content-type']).to.equal('application/json');
        expect(Object.keys(res.body)).to.have.members(['error', 'request_id']);
        expect(res.body.error.message, JSON.stringify(body).slice(0, 200)).to.include(field);
      }
      await create({ task: task() }, '?run=later').expect(400);
      await create({ task: task() }, '?run=now&run=now').expect(400);
      await h.api
        .post('/v1/tasks')
        .set('Authorization', asAdmin)
        .set('Content-Type', 'application/json')
        .send('{"task":')
        .expect(400);
      await h.api
        .post('/v1/tasks')
        .set('Authorization', asAdmin)
        .set('Content-Type', 'text/plain')
        .send('{}')
        .expect(415);
      expect(await count()).to.equal(0);
    });

    it('refuses a duplicate name with a 400 naming it', async () => {
      await create({ task: task() }).expect(201);
      const res = await create({ task: task() }).expect(400);
      expect(res.body.error.message).to.equal('task with name web-hosts already exists');
    });

    it('PATCH takes enabled (also without a Content-Type) and the fields bosun adds; refuses unknown keys', async () => {
      await create({ task: task() }).expect(201);
      const off = await h.api
        .patch('/v1/tasks/web-hosts')
        .set('Authorization', asAdmin)
        .unset('Content-Type')
        .send(Buffer.from('{"enabled":false}'))
        .expect(200);
      expect(off.body).to.have.keys('request_id');
      expect(off.headers['content-type']).to.equal('application/json');
      expect((await h.api.get('/v1/tasks/web-hosts').set('Authorization', asReader)).body.task.enabled).to.equal(false);
      await h.api
        .patch('/v1/tasks/web-hosts')
        .set('Authorization', asAdmin)
        .send({ variables: { out: '/tmp/b', label: 'x' }, buffer_period: { enabled: false } })
        .expect(200);
      const read = (await h.api.get('/v1/tasks/web-hosts').set('Authorization', asReader)).body.task;
      expect(read.variables).to.deep.equal({ out: '/tmp/b', label: 'x' });
      expect(read.buffer_period).to.deep.equal({ enabled: false, min: '5s', max: '20s' });
      const unknown = await h.api
        .patch('/v1/tasks/web-hosts')
        .set('Authorization', asAdmin)
        .send({ enabled: true, name: 'other' })
        .expect(400);
      expect(unknown.body.error.message).to.include('name').and.include('unsupported');
      await h.api.patch('/v1/tasks/web-hosts').set('Authorization', asAdmin).send({}).expect(400);
      await h.api.patch('/v1/tasks/web-hosts').set('Authorization', asAdmin).send({ enabled: 'no' }).expect(400);
      const missing = await h.api
        .patch('/v1/tasks/nope')
        .set('Authorization', asAdmin)
        .send({ enabled: true })
        .expect(404);
      expect(missing.body.error.message).to.include('nope');
    });

    it('DELETE answers 202 and the task is gone (404 after)', async () => {
      await create({ task: task() }).expect(201);
      const res = await h.api.delete('/v1/tasks/web-hosts').set('Authorization', asAdmin).expect(202);
      expect(res.body).to.have.keys('request_id');
      await h.api.get('/v1/tasks/web-hosts').set('Authorization', asReader).expect(404);
      await h.api.delete('/v1/tasks/web-hosts').set('Authorization', asAdmin).expect(404);
      expect(await count()).to.equal(0);
      await create({ task: task() }).expect(201);
    });

    it('answers 401 and 403 in CTS shape with the exact Content-Type', async () => {
      const anonymous = await h.api.get('/v1/tasks').expect(401);
      expect(anonymous.headers['content-type']).to.equal('application/json');
      expect(anonymous.body.error.message).to.be.a('string');
      expect(anonymous.body.request_id).to.match(UUID);
      const reader = await h.api.post('/v1/tasks').set('Authorization', asReader).send({ task: task() }).expect(403);
      expect(reader.headers['content-type']).to.equal('application/json');
      expect(reader.body.error.message).to.include('bosh.admin');
      for (const [method, path] of [
        ['patch', '/v1/tasks/x'],
        ['delete', '/v1/tasks/x'],
        ['post', '/v1/modules?name=m'],
      ] as const) {
        expect((await h.api[method](path).set('Authorization', asReader)).status, path).to.equal(403);
      }
      await h.api.get('/v1/health').expect(401);
      await h.api.get('/v1/status').set('Authorization', asReader).expect(200);
    });

    it('answers an unknown path of the family as a JSON 404', async () => {
      const res = await h.api.get('/v1/tasks/a/b/c').set('Authorization', asReader).expect(404);
      expect(res.headers['content-type']).to.equal('application/json');
      expect(res.body.error.message).to.include('/v1/tasks/a/b/c');
    });

    it('reports status: unknown before any run, filters by status, refuses bad filters', async () => {
      await create({ task: task() }).expect(201);
      await create({ task: task({ name: 'off', enabled: false }) }).expect(201);
      const summary = await h.api.get('/v1/status').set('Authorization', asReader).expect(200);
      expect(summary.body.task_summary).to.deep.equal({
        status: { successful: 0, errored: 0, critical: 0, unknown: 2 },
        enabled: { true: 1, false: 1 },
      });
      const all = await h.api.get('/v1/status/tasks').set('Authorization', asReader).expect(200);
      expect(all.body['web-hosts']).to.deep.equal({
        task_name: 'web-hosts',
        status: 'unknown',
        enabled: true,
        providers: [],
        services: [],
        events_url: '/v1/status/tasks/web-hosts?include=events',
      });
      expect(all.body.request_id).to.match(UUID);
      const one = await h.api.get('/v1/status/tasks/off?include=events').set('Authorization', asReader).expect(200);
      expect(one.body.off.events).to.deep.equal([]);
      const none = await h.api.get('/v1/status/tasks?status=successful').set('Authorization', asReader).expect(200);
      expect(Object.keys(none.body)).to.deep.equal(['request_id']);
      await h.api.get('/v1/status/tasks?status=fine').set('Authorization', asReader).expect(400);
      await h.api.get('/v1/status/tasks?include=everything').set('Authorization', asReader).expect(400);
      await h.api.get('/v1/status/tasks/nope').set('Authorization', asReader).expect(404);
    });

    it('reports terraform in /v1/health', async () => {
      const res = await h.api.get('/v1/health').set('Authorization', asReader).expect(200);
      expect(res.body.terraform.version).to.match(/^1\.\d+\.\d+/);
      expect(res.headers['content-type']).to.equal('application/json');
    });
  },
  { withFamilies: (h) => [testSyncs(h.db, h.tasks, root)] },
);

describeOnBothBackends(
  'sync tasks without a terraform binary',
  (h) => {
    it('says so in /v1/health and at task creation, and stores nothing', async () => {
      const health = await h.api.get('/v1/health').set('Authorization', asReader).expect(503);
      expect(health.body.error.message).to.include('/nonexistent/terraform');
      const res = await h.api.post('/v1/tasks').set('Authorization', asAdmin).send({ task: task() }).expect(503);
      expect(res.body.error.message).to.include('terraform is not available');
      expect(await h.db.knex('sync_tasks').select('name')).to.have.length(0);
    });
  },
  { withFamilies: (h) => [testSyncs(h.db, h.tasks, root, { BOSUN_TERRAFORM: '/nonexistent/terraform' })] },
);
