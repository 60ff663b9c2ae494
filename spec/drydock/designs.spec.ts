import { expect } from 'chai';
import { asAdmin, asReader } from '../support/auth';
import { describeOnBothBackends } from '../support/harness';
import { siteYaml, testDrydock } from './support';

describeOnBothBackends(
  'Drydock designs and validatedesign (/api/v1.0)',
  (h) => {
    const post = (yaml: string) =>
      h.api
        .post('/api/v1.0/designs')
        .set('Authorization', asAdmin)
        .set('Content-Type', 'application/x-yaml')
        .send(yaml);

    it('stores a YAML stream as a design with a bosun+design ref, lists it and reads it back, versioned', async () => {
      const res = await post(siteYaml()).expect(201);
      expect(res.headers['x-drydock-req']).to.match(/^[0-9a-f-]{36}$/);
      expect(res.body.design_ref).to.equal(`bosun+design://${res.body.design_id}`);
      expect(res.body.version).to.equal(1);
      expect(res.body.status).to.include({ kind: 'Status', status: 'Success', code: 200 });
      const again = await h.api
        .post(`/api/v1.0/designs/${res.body.design_id}`)
        .set('Authorization', asAdmin)
        .set('Content-Type', 'application/x-yaml')
        .send(siteYaml(3))
        .expect(201);
      expect(again.body.version).to.equal(2);
      const list = await h.api.get('/api/v1.0/designs').set('Authorization', asReader).expect(200);
      expect(list.body).to.have.length(1);
      expect(list.body[0]).to.include({ design_id: res.body.design_id, version: 2, versions: 2 });
      const one = await h.api
        .get(`/api/v1.0/designs/${res.body.design_id}?version=1`)
        .set('Authorization', asReader)
        .expect(200);
      expect(one.body.versions).to.deep.equal([1, 2]);
      expect(
        one.body.documents.filter((d: { schema: string }) => d.schema === 'drydock/BaremetalNode/v1'),
      ).to.have.length(2);
      const missing = await h.api
        .get('/api/v1.0/designs/00000000-0000-4000-8000-000000000000')
        .set('Authorization', asReader)
        .expect(404);
      expect(missing.body).to.deep.equal({
        type: 'error',
        message: 'Design 00000000-0000-4000-8000-000000000000 not found',
        retry: false,
      });
    });

    it('refuses a stream that does not parse or does not validate with 400 and the validation Status; nothing is stored', async () => {
      const bad = await post('schema: [unclosed').expect(400);
      expect(bad.body).to.include({ type: 'error', retry: false, kind: 'Status', status: 'Failure', code: 400 });
      expect(bad.body.details.messageList[0]).to.include({
        kind: 'ValidationMessage',
        name: 'DD000',
        error: true,
        level: 'Error',
      });
      const unknown = await post(siteYaml().replace('host_profile: defaults', 'host_profile: nowhere')).expect(400);
      expect(unknown.body.details.messageList.map((m: { message: string }) => m.message)).to.include(
        'Profile References: Cannot find host profile nowhere for worker',
      );
      expect((await h.db.knex('drydock_designs').count({ n: '*' }))[0].n).to.satisfy((n: unknown) => Number(n) === 0);
    });

    it('answers validatedesign with Drydock Status for an href and for inline documents, with its cross-reference checks', async () => {
      const stored = await post(siteYaml()).expect(201);
      const ok = await h.api
        .post('/api/v1.0/validatedesign')
        .set('Authorization', asAdmin)
        .send({ rel: 'design', href: stored.body.design_ref, type: 'application/x-yaml' })
        .expect(200);
      expect(ok.body).to.include({
        kind: 'Status',
        apiVersion: 'v1.0',
        status: 'Success',
        message: 'Site design passed validation',
        code: 200,
      });
      expect(ok.body.details.errorCount).to.equal(0);
      const dup = siteYaml(2).replace('name: node02', 'name: node01').replace('172.16.1.11', '172.16.1.10');
      const orphanAction = `---
schema: drydock/BootAction/v1
metadata: { schema: metadata/Document/v1, name: lonely }
data:
  assets: [{ path: /x, type: file, data: x }]
  node_filter: { filter_set_type: union, filter_set: [{ filter_type: union, node_names: [ghost] }] }
`;
      const res = await h.api
        .post('/api/v1.0/validatedesign')
        .set('Authorization', asAdmin)
        .set('Content-Type', 'application/x-yaml')
        .send(dup + orphanAction)
        .expect(400);
      expect(res.body).to.include({
        status: 'Failure',
        message: 'Site design failed validation.',
        reason: 'See detail messages.',
        code: 400,
      });
      const errors = res.body.details.messageList
        .filter((m: { error: boolean }) => m.error)
        .map((m: { name: string; message: string }) => `${m.name} ${m.message}`);
      expect(errors).to.include('DD3004 Unique Names: Duplicate hostname node01');
      expect(errors).to.include('DD2005 Duplicated IP Check: Duplicate IP Address Found: 172.16.1.10 ');
      expect(errors).to.include('DD4001 Bootaction Definition: Bootaction lonely targets no node.');
      expect(res.body.details.errorCount).to.equal(errors.length);
      const inline = await h.api
        .post('/api/v1.0/validatedesign')
        .set('Authorization', asAdmin)
        .send({ documents: siteYaml(1) })
        .expect(200);
      expect(inline.body.status).to.equal('Success');
      const noHref = await h.api
        .post('/api/v1.0/validatedesign')
        .set('Authorization', asAdmin)
        .send({ rel: 'design' })
        .expect(400);
      expect(noHref.body).to.deep.equal({
        type: 'error',
        message: 'The "href" key must be provided in the request body.',
        retry: false,
      });
    });

    it("answers users without credentials or scope in Drydock's shape, with X-Drydock-Req, and takes X-Auth-Token", async () => {
      const anon = await h.api.get('/api/v1.0/tasks').expect(401);
      expect(anon.body).to.deep.equal({ type: 'error', message: 'Unauthenticated', retry: false });
      expect(anon.headers['x-drydock-req']).to.match(/^[0-9a-f-]{36}$/);
      const reader = await h.api
        .post('/api/v1.0/designs')
        .set('Authorization', asReader)
        .set('Content-Type', 'application/x-yaml')
        .send(siteYaml())
        .expect(403);
      expect(reader.body).to.deep.equal({ type: 'error', message: 'Forbidden', retry: false });
      const login = await h.api
        .post('/v3/auth/tokens')
        .send({
          auth: {
            identity: {
              methods: ['password'],
              password: { user: { name: 'admin', domain: { name: 'default' }, password: 'admin-secret' } },
            },
            scope: { project: { name: 'service', domain: { name: 'default' } } },
          },
        })
        .expect(201);
      const token = login.headers['x-subject-token'];
      expect(token).to.be.a('string');
      const service = login.body.token.catalog.find((s: { type: string }) => s.type === 'physicalprovisioner');
      expect(service.endpoints.find((e: { interface: string }) => e.interface === 'internal').url).to.match(
        /^http:\/\/127\.0\.0\.1:\d+\/api\/v1\.0$/,
      );
      await h.api.get('/api/v1.0/tasks').set('X-Auth-Token', token).expect(200);
      const wrong = await h.api
        .post('/v3/auth/tokens')
        .send({
          auth: { identity: { methods: ['password'], password: { user: { name: 'admin', password: 'nope' } } } },
        })
        .expect(401);
      expect(wrong.body.error).to.include({ code: 401, title: 'Unauthorized' });
      const unknownPath = await h.api.get('/api/v1.0/nothing').set('Authorization', asReader).expect(404);
      expect(unknownPath.body.type).to.equal('error');
      expect(unknownPath.headers['x-drydock-req']).to.be.a('string');
    });
  },
  { withFamilies: (h) => [testDrydock(h)] },
);
