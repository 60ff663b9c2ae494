import { expect } from 'chai';
import { describeOnBothBackends } from '../support/harness';
import { asAdmin } from '../support/auth';

describeOnBothBackends('bad input to the Director API', (h) => {
  const post = (path: string) => h.api.post(path).set('Authorization', asAdmin);

  it('answers malformed JSON with 400 in the Director error shape', async () => {
    for (const path of ['/cleanup', '/tasks/cancel']) {
      const res = await post(path).set('Content-Type', 'application/json').send('{"config": {').expect(400);
      expect(res.body.code).to.equal(40000);
      expect(res.body.description).to.be.a('string').and.not.equal('');
    }
  });

  it('answers wrong types and unknown fields with 400 naming the field', async () => {
    const bodies: Array<[string, unknown]> = [
      ['/cleanup', { config: { remove_all: 'yes' } }],
      ['/cleanup', { config: 'all' }],
      ['/cleanup', { surprise: true }],
      ['/cleanup', [1, 2]],
      ['/tasks/cancel', { states: 'queued' }],
      ['/tasks/cancel', { types: [1] }],
      ['/tasks/cancel', { deployment: 5 }],
    ];
    for (const [path, body] of bodies) {
      const res = await post(path)
        .send(body as object)
        .expect(400);
      expect(res.body.code, JSON.stringify(body)).to.equal(40000);
      expect(res.body.description).to.match(/^Invalid request body: /);
    }
    expect(await h.tasks.list({})).to.have.length(0);
  });

  it('answers a NUL character anywhere in a JSON body with 400 naming the field, never 500', async () => {
    const bodies: Array<[string, unknown, string]> = [
      ['/tasks/cancel', { types: ['cleanup', 'a\u0000b'] }, 'types.1'],
      ['/tasks/cancel', { deployment: '\u0000' }, 'deployment'],
      ['/tasks/cancel', { states: ['queued\u0000'] }, 'states.0'],
      ['/cleanup', { config: { remove_all: false, ['k\u0000']: 1 } }, 'config.k'],
    ];
    for (const [path, body, field] of bodies) {
      const res = await post(path).send(body as object);
      expect(res.status, JSON.stringify(body)).to.equal(400);
      expect(res.body.code).to.equal(40000);
      expect(res.body.description).to.contain(field).and.to.contain('NUL');
    }
    expect(await h.tasks.list({})).to.have.length(0);
  });

  it('answers a body that is not JSON with 400, and JSON scalars with 400', async () => {
    await post('/cleanup').set('Content-Type', 'text/plain').send('remove all').expect(400);
    await post('/cleanup').set('Content-Type', 'application/json').send('"just a string"').expect(400);
    await post('/cleanup').set('Content-Type', 'application/json').send('12').expect(400);
  });

  it('answers a huge body with 413 without storing anything', async () => {
    const huge = JSON.stringify({ config: { remove_all: false }, pad: 'x'.repeat(3 * 1024 * 1024) });
    const res = await post('/cleanup').set('Content-Type', 'application/json').send(huge);
    expect(res.status).to.equal(413);
    expect(res.body.code).to.equal(40000);
    expect(await h.tasks.list({})).to.have.length(0);
  });

  it('answers unicode, control characters and path tricks in ids with 404, never 500', async () => {
    for (const id of ['%00', '..%2F..%2Fetc', '%E2%98%83', '1%0A2', "1'%20or%20'1'='1", '1e3', ' 1']) {
      const res = await h.api.get(`/tasks/${id}`).set('Authorization', asAdmin);
      expect(res.status, id).to.equal(404);
      const del = await h.api.delete(`/task/${id}`).set('Authorization', asAdmin);
      expect(del.status, id).to.equal(404);
      const out = await h.api.get(`/tasks/${id}/output?type=event`).set('Authorization', asAdmin);
      expect(out.status, id).to.equal(404);
    }
  });

  it('answers odd query strings on GET /tasks without a 500', async () => {
    for (const q of [
      'limit=1e309',
      'limit=99999999999999999999',
      'state=',
      'state=%00',
      'deployment=%E2%98%83',
      'limit=1&limit=2',
      'context_id=' + 'x'.repeat(200),
    ]) {
      const res = await h.api.get(`/tasks?${q}`).set('Authorization', asAdmin);
      expect(res.status, q).to.be.oneOf([200, 400]);
    }
  });
});
