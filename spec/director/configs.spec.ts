import { expect } from 'chai';
import { directorFamily } from '../../src/families/director/family';
import { asAdmin, asReader } from '../support/auth';
import { describeOnBothBackends, familyDeps, Harness } from '../support/harness';

interface ConfigHash {
  type: string;
  name: string;
  content: string;
  properties: string;
  current: boolean;
}
interface EventHash {
  action: string;
  object_type: string;
  object_name?: string;
  error?: string;
}

const CLOUD = 'azs:\n- name: z1\nvm_types:\n- name: small\n  cloud_properties: {cpus: 1}\n';

function configsClient(h: Harness) {
  return {
    post: (body: unknown, auth = asAdmin) =>
      h.api
        .post('/configs')
        .set('Authorization', auth)
        .set('Content-Type', 'application/json')
        .send(typeof body === 'string' ? body : JSON.stringify(body)),
    list: (query: string) => h.api.get(`/configs${query}`).set('Authorization', asReader),
    diff: (body: unknown) =>
      h.api.post('/configs/diff').set('Authorization', asAdmin).set('Content-Type', 'application/json').send(body),
    yaml: (path: string, text: string) =>
      h.api.post(path).set('Authorization', asAdmin).set('Content-Type', 'text/yaml').send(text),
  };
}

describeOnBothBackends(
  'Director configs',
  (h) => {
    const c = configsClient(h);

    it('creates a config version, answers the same version for the same content, and a new one for new content', async () => {
      const first = await c.post({ type: 'cloud', name: 'default', content: CLOUD }).expect(201);
      expect(first.body).to.include({ type: 'cloud', name: 'default', content: CLOUD, team: null, current: true });
      expect(first.body.id).to.be.a('string');
      expect(first.body.created_at).to.match(/^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d UTC$/);
      const same = await c.post({ type: 'cloud', name: 'default', content: CLOUD }).expect(201);
      expect(same.body.id).to.equal(first.body.id);
      const next = await c.post({ type: 'cloud', name: 'default', content: `${CLOUD}disk_types: []\n` }).expect(201);
      expect(Number(next.body.id)).to.be.greaterThan(Number(first.body.id));
      const old = await h.api.get(`/configs/${first.body.id}`).set('Authorization', asReader).expect(200);
      expect(old.body).to.include({ id: first.body.id, current: false });
    });

    it('lists the latest of each type and name (default first), or every version with latest=false', async () => {
      await c.post({ type: 'runtime', name: 'dns', content: 'addons: []\n' }).expect(201);
      await c.post({ type: 'cloud', name: 'extra', content: 'azs: []\n' }).expect(201);
      await c.post({ type: 'cloud', name: 'default', content: 'azs: []\n' }).expect(201);
      await c.post({ type: 'cloud', name: 'default', content: CLOUD }).expect(201);
      const latest = await c.list('?latest=true').expect(200);
      expect(latest.body.map((x: ConfigHash) => `${x.type}/${x.name}`)).to.deep.equal([
        'cloud/default',
        'cloud/extra',
        'runtime/dns',
      ]);
      expect(latest.body[0].content).to.equal(CLOUD);
      const all = await c.list('?type=cloud&name=default&latest=false').expect(200);
      expect(all.body.map((x: ConfigHash) => x.current)).to.deep.equal([true, false]);
      expect((await c.list('?type=cloud&limit=1').expect(200)).body).to.have.length(2);
    });

    it('refuses bad requests with the Director codes: JSON, type, name, content, limit, latest', async () => {
      const bad = async (
        res: PromiseLike<{ status: number; text: string; body: { code: number; description: string } }>,
        status: number,
        code: number,
        description: string | RegExp,
      ) => {
        const r = await res;
        expect(r.status, r.text).to.equal(status);
        expect(r.body.code).to.equal(code);
        if (typeof description === 'string') expect(r.body.description).to.equal(description);
        else expect(r.body.description).to.match(description);
      };
      await bad(c.post('{not json'), 400, 710001, /^Invalid JSON request body: /);
      await bad(c.post('[1]'), 400, 440010, 'JSON object expected');
      await bad(c.post({ name: 'x', content: 'a: 1' }), 400, 440010, "'type' is required");
      await bad(c.post({ type: 'cloud', name: 7, content: 'a: 1' }), 400, 440010, "'name' must be a string");
      await bad(c.post({ type: 'cloud', name: 'x', content: '- a' }), 400, 440011, 'YAML hash expected');
      await bad(c.post({ type: 'cloud', name: 'x', content: 'a: [' }), 400, 440011, /^Config must be valid YAML: /);
      await bad(c.list('?limit=abc'), 400, 440010, "'limit' must be a number");
      await bad(c.list('?limit=0'), 400, 440010, "'limit' must be larger than zero");
      await bad(c.list('?latest=maybe'), 400, 440010, "'latest' must be 'true' or 'false'");
      await bad(h.api.get('/configs/99').set('Authorization', asReader), 404, 440012, 'Config 99 not found');
      await bad(h.api.get('/configs/x1').set('Authorization', asReader), 404, 440012, 'Config x1 not found');
      await bad(c.post({ type: 'cloud', name: 'x', content: 'a: 1' }, asReader), 401, 600000, /bosh.admin/);
      expect((await c.list('?latest=true').expect(200)).body).to.deep.equal([]);
    });

    it('rejects an update whose expected latest id is stale with 412', async () => {
      const first = await c.post({ type: 'cloud', name: 'default', content: CLOUD }).expect(201);
      await c.post({ type: 'cloud', name: 'default', content: 'azs: []\n' }).expect(201);
      const stale = await c
        .post({ type: 'cloud', name: 'default', content: 'vm_types: []\n', expected_latest_id: first.body.id })
        .expect(412);
      expect(stale.body.expected_latest_id).to.equal(first.body.id);
      expect(stale.body.description).to.match(/^Latest Id: '\d+' does not match expected latest id$/);
    });

    it('deletes by type and name (404 when nothing is left) and by id', async () => {
      const one = await c.post({ type: 'custom', name: 'a', content: 'x: 1\n' }).expect(201);
      await c.post({ type: 'custom', name: 'b', content: 'x: 1\n' }).expect(201);
      await h.api.delete('/configs?type=custom&name=b').set('Authorization', asAdmin).expect(204);
      await h.api.delete('/configs?type=custom&name=b').set('Authorization', asAdmin).expect(404);
      const noName = await h.api.delete('/configs?type=custom').set('Authorization', asAdmin).expect(400);
      expect(noName.body).to.deep.equal({ code: 440010, description: "'name' is required" });
      await h.api.delete(`/configs/${one.body.id}`).set('Authorization', asAdmin).expect(204);
      await h.api.get(`/configs/${one.body.id}`).set('Authorization', asReader).expect(404);
      expect((await c.list('?type=custom').expect(200)).body).to.deep.equal([]);
    });

    it('diffs content against the current version, two versions by id, and contents; a bad body lists the formats', async () => {
      const first = await c.post({ type: 'cloud', name: 'default', content: 'azs:\n- name: z1\n' }).expect(201);
      const vsCurrent = await c
        .diff({ type: 'cloud', name: 'default', content: 'azs:\n- name: z1\n- name: z2\n' })
        .expect(200);
      expect(vsCurrent.body.from).to.deep.equal({ id: first.body.id });
      expect(vsCurrent.body.diff).to.deep.equal([
        ['azs:', null],
        ['- name: z2', 'added'],
      ]);
      const fresh = await c.diff({ type: 'cloud', name: 'new', content: 'azs: []\n' }).expect(200);
      expect(fresh.body.from).to.deep.equal({ id: '0' });
      const second = await c.post({ type: 'cloud', name: 'default', content: 'azs:\n- name: z3\n' }).expect(201);
      const ids = await c.diff({ from: { id: first.body.id }, to: { id: second.body.id } }).expect(200);
      expect(ids.body.diff).to.deep.equal([
        ['azs:', null],
        ['- name: z3', 'added'],
        ['- name: z1', 'removed'],
      ]);
      const contents = await c.diff({ from: { content: 'a: 1\n' }, to: { content: 'a: 2\n' } }).expect(200);
      expect(contents.body.diff).to.deep.equal([
        ['a: 1', 'removed'],
        // A changed scalar at the top is two sections to the Director, an empty line between them.
        ['', null],
        ['a: 2', 'added'],
      ]);
      const bad = await c.diff({ from: { id: '1' } }).expect(400);
      expect(bad.body.code).to.equal(440010);
      expect(bad.body.description).to.match(/^The following request formats are allowed:/);
      const badYaml = await c.diff({ from: { content: '- 1' }, to: { content: 'a: 1' } }).expect(400);
      expect(badYaml.body).to.deep.equal({ diff: [], error: 'Unable to diff config content: YAML hash expected' });
    });

    it('serves the older cloud, runtime and cpi config routes over the same versions, with their events', async () => {
      await c.yaml('/cloud_configs', CLOUD).expect(201);
      await c.yaml('/cloud_configs?name=extra', 'azs: []\n').expect(201);
      const latest = await h.api.get('/cloud_configs?limit=1').set('Authorization', asReader).expect(200);
      expect(latest.body).to.have.length(1);
      expect(latest.body[0].properties).to.equal(CLOUD);
      expect(latest.body[0].created_at).to.match(/ UTC$/);
      const extra = await h.api.get('/cloud_configs?limit=5&name=extra').set('Authorization', asReader).expect(200);
      expect(extra.body.map((x: ConfigHash) => x.properties)).to.deep.equal(['azs: []\n']);
      const noLimit = await h.api.get('/cloud_configs').set('Authorization', asReader).expect(400);
      expect(noLimit.text).to.equal('limit is required');
      const badLimit = await h.api.get('/runtime_configs?limit=x').set('Authorization', asReader).expect(400);
      expect(badLimit.text).to.equal("limit is invalid: 'x' is not an integer");

      await c.yaml('/runtime_configs', 'releases:\n- name: dns\n  version: 1\n').expect(201);
      const runtime = await h.api.get('/configs?type=runtime').set('Authorization', asReader).expect(200);
      expect(runtime.body[0].content).to.equal('releases:\n  - name: dns\n    version: "1"\n');
      const diff = await c.yaml('/runtime_configs/diff', 'releases:\n- name: dns\n  version: 2\n').expect(200);
      expect(diff.body.diff).to.deep.equal([
        ['releases:', null],
        ['- name: dns', null],
        ['  version: "1"', 'removed'],
        ['  version: 2', 'added'],
      ]);
      const same = await c.yaml('/runtime_configs/diff', 'releases:\n- name: dns\n  version: "1"\n').expect(200);
      expect(same.body.diff).to.deep.equal([]);

      await c.yaml('/cpi_configs', 'cpis: []\n').expect(201);
      const cpi = await h.api.get('/cpi_configs?limit=1').set('Authorization', asReader).expect(200);
      expect(cpi.body[0].properties).to.equal('cpis: []\n');

      const empty = await c.yaml('/cloud_configs', '').expect(400);
      expect(empty.body).to.deep.equal({ code: 440001, description: 'Manifest should not be empty' });
      const list = await c.yaml('/cloud_configs', '- a\n').expect(400);
      expect(list.body).to.deep.equal({ code: 440001, description: 'Manifest should be a hash' });
      await h.api
        .post('/cloud_configs')
        .set('Authorization', asAdmin)
        .set('Content-Type', 'application/json')
        .send('{}')
        .expect(415);

      const events = await h.api.get('/events').set('Authorization', asAdmin).expect(200);
      const seen = events.body.map(
        (e: EventHash) => `${e.action} ${e.object_type} ${e.object_name ?? '-'}${e.error ? ' !' : ''}`,
      );
      expect(seen).to.include.members([
        'update cloud-config default',
        'update cloud-config extra',
        'update runtime-config default',
        'update cpi-config -',
        'update cloud-config default !',
      ]);
    });
  },
  { withFamilies: (h) => [directorFamily(familyDeps(h))] },
);
