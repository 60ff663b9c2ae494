import type request from 'supertest';
import { expect } from 'chai';
import { ADMIN, describeOnBothBackends, READER } from '../support/harness';
import { asAdmin, asReader, withWrongPassword } from '../support/auth';

describeOnBothBackends('Director authentication', (h) => {
  const routes: Array<[string, string]> = [
    ['get', '/tasks'],
    ['get', '/tasks/1'],
    ['get', '/tasks/1/output?type=event'],
    ['delete', '/task/1'],
    ['post', '/tasks/cancel'],
    ['post', '/cleanup'],
  ];

  for (const [method, path] of routes) {
    it(`${method.toUpperCase()} ${path} without credentials: 401 with the Director's realm and body`, async () => {
      const res = await (h.api as unknown as Record<string, (p: string) => request.Test>)[method](path).expect(401);
      expect(res.headers['www-authenticate']).to.equal('Basic realm="BOSH Director"');
      expect(res.text).to.equal(`Not authorized: '${path.split('?')[0]}'\n`);
    });
  }

  it('rejects a wrong password, an unknown user and a malformed header', async () => {
    await h.api.get('/tasks').set('Authorization', withWrongPassword).expect(401);
    await h.api
      .get('/tasks')
      .set('Authorization', `Basic ${Buffer.from('ghost:x').toString('base64')}`)
      .expect(401);
    await h.api.get('/tasks').set('Authorization', 'Basic !!!').expect(401);
    await h.api
      .get('/tasks')
      .set('Authorization', `Basic ${Buffer.from('admin').toString('base64')}`)
      .expect(401);
    await h.api.get('/tasks').set('Authorization', 'Bearer abc').expect(401);
  });

  it('rejects the right password with NUL bytes appended (scrypt would hash both alike)', async () => {
    for (const padded of [`${ADMIN.password}\0`, `${ADMIN.password}\0\0\0`, `${READER.password}\0`]) {
      const name = padded.startsWith(ADMIN.password) ? ADMIN.name : READER.name;
      const header = `Basic ${Buffer.from(`${name}:${padded}`).toString('base64')}`;
      await h.api.get('/tasks').set('Authorization', header).expect(401);
      expect((await h.api.get('/info').set('Authorization', header).expect(200)).body.user).to.equal(null);
    }
    await h.api.get('/tasks').set('Authorization', asAdmin).expect(200);
  });

  it('puts WWW-Authenticate on successful responses too, as the Director does', async () => {
    const res = await h.api.get('/tasks').set('Authorization', asAdmin).expect(200);
    expect(res.headers['www-authenticate']).to.equal('Basic realm="BOSH Director"');
  });

  describe('a read-only user', () => {
    it('lists and reads tasks and their event and result logs', async () => {
      const task = await h.tasks.enqueue({ type: 'update_deployment', description: 'x' });
      await h.api.get('/tasks').set('Authorization', asReader).expect(200);
      await h.api.get(`/tasks/${task.id}`).set('Authorization', asReader).expect(200);
      await h.api.get(`/tasks/${task.id}/output?type=event`).set('Authorization', asReader).expect(200);
      await h.api.get(`/tasks/${task.id}/output?type=result`).set('Authorization', asReader).expect(200);
    });

    it('may not read the debug log, cancel, or start work: 401 with code 600000', async () => {
      const task = await h.tasks.enqueue({ type: 'update_deployment', description: 'x' });
      const checks = [
        h.api.get(`/tasks/${task.id}/output?type=debug`).set('Authorization', asReader),
        h.api.delete(`/task/${task.id}`).set('Authorization', asReader),
        h.api.post('/tasks/cancel').set('Authorization', asReader).send({}),
        h.api.post('/cleanup').set('Authorization', asReader).send({}),
      ];
      for (const res of await Promise.all(checks)) {
        expect(res.status).to.equal(401);
        expect(res.body.code).to.equal(600000);
        expect(res.body.description).to.match(/^Require one of the scopes: bosh\.admin/);
      }
      expect((await h.tasks.get(task.id))!.state).to.equal('queued');
      expect(await h.tasks.list({})).to.have.length(1);
    });
  });
});
