import crypto from 'node:crypto';
import { expect } from 'chai';
import YAML from 'yaml';
import { directorFamily } from '../../src/families/director/family';
import { LABELS } from '../../src/docker/labels';
import { execInContainer } from '../../src/docker/exec-in-container';
import { tarFiles } from '../../src/docker/tar-files';
import { SecretStore } from '../../src/secrets/secret-store';
import type { Task } from '../../src/tasks/task';
import { asAdmin, asReader } from '../support/auth';
import {
  buildRelease,
  buildStemcell,
  stemcellDigests,
  webManifest,
  webRelease,
  webReleaseOptions,
} from '../support/bosh-fixtures';
import { docker, familyDeps } from '../support/docker';
import { describeOnBothBackends, Harness } from '../support/harness';
import { readLog, startRunner, stopRunners, waitForTask } from '../support/runners';

const secretsKey = crypto.createHash('sha256').update('bosun director specs').digest();
const TASK_TIMEOUT = 120_000;

// An event or result line, asserted on field by field (as response bodies are in specs).
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Line = Record<string, any>;
const ndjson = (text: string): Line[] =>
  text
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l));

export function directorClient(h: Harness) {
  const c = {
    /** Follows a 302 to its task and waits until it ends. */
    async finish(res: { status: number; headers: Record<string, string>; text: string }): Promise<Task> {
      expect(res.status, res.text).to.equal(302);
      const id = Number(/^\/tasks\/(\d+)$/.exec(res.headers.location)![1]);
      return waitForTask(h.tasks, id, undefined, TASK_TIMEOUT);
    },
    upload: (path: string, body: Buffer) =>
      h.api.post(path).set('Authorization', asAdmin).set('Content-Type', 'application/x-compressed').send(body),
    deploy: (manifest: string, query = '') =>
      h.api.post(`/deployments${query}`).set('Authorization', asAdmin).set('Content-Type', 'text/yaml').send(manifest),
    async deployed(manifest: string, query = ''): Promise<Task> {
      return c.finish(await c.deploy(manifest, query));
    },
    events: async (t: Task) => ndjson(await readLog(h.tasks, t.id, 'event')),
    async containers(deployment: string) {
      return docker.listContainers({ all: true, filters: { label: [`${LABELS.deployment}=${deployment}`] } });
    },
    async serve(containerId: string): Promise<string> {
      const out = await execInContainer(docker.getContainer(containerId), ['wget', '-qO-', 'http://127.0.0.1:8080/']);
      return out.stdout.trim();
    },
    async vms(deployment: string): Promise<Line[]> {
      const t = await c.finish(
        await h.api.get(`/deployments/${deployment}/vms?format=full`).set('Authorization', asAdmin),
      );
      expect(t.state).to.equal('done');
      return ndjson(await readLog(h.tasks, t.id, 'result'));
    },
    async instances(deployment: string) {
      return (await h.api.get(`/deployments/${deployment}/instances`).set('Authorization', asAdmin).expect(200))
        .body as Line[];
    },
    async uploadBasics(releaseVersion = '1') {
      expect((await c.finish(await c.upload('/stemcells', await buildStemcell()))).state).to.equal('done');
      expect((await c.finish(await c.upload('/releases', (await webRelease(releaseVersion)).tarball))).state).to.equal(
        'done',
      );
    },
  };
  return c;
}

/**
 * A runner with the Director family's operations for each test; every instance container, and every
 * stemcell image, removed after it (each test uploads its stemcells again into emptied tables).
 */
function useDirectorRunner(h: Harness) {
  beforeEach(async () =>
    startRunner(
      h.db,
      h.families.flatMap((f) => f.operations),
      { workers: 4, timeoutSeconds: 30 },
    ),
  );
  afterEach(async () => {
    await stopRunners();
    for (const ct of await docker.listContainers({ all: true, filters: { label: [LABELS.deployment] } })) {
      await docker
        .getContainer(ct.Id)
        .remove({ force: true })
        .catch(() => undefined);
    }
    for (const image of await docker.listImages({ filters: { reference: ['bosun-stemcell/*'] } })) {
      await docker
        .getImage(image.Id)
        .remove({ force: true })
        .catch(() => undefined);
    }
  });
}

describeOnBothBackends(
  'Director workloads on Docker',
  (h) => {
    const c = directorClient(h);
    useDirectorRunner(h);

    it('uploads a stemcell into a Docker image and lists it; the same stemcell is not needed twice', async function () {
      this.timeout(120_000);
      const t = await c.finish(await c.upload('/stemcells', await buildStemcell({ version: '1.5' })));
      expect(t.state, t.result ?? '').to.equal('done');
      expect(t.type).to.equal('update_stemcell');
      const list = (await h.api.get('/stemcells').set('Authorization', asReader).expect(200)).body;
      expect(list).to.have.length(1);
      expect(list[0]).to.include({ name: 'bosh-docker-busybox', version: '1.5', operating_system: 'busybox' });
      expect(list[0].deployments).to.deep.equal([]);
      await docker.getImage(list[0].cid).inspect();
      const needed = await h.api
        .post('/stemcell_uploads')
        .set('Authorization', asAdmin)
        .send({ stemcell: { name: 'bosh-docker-busybox', version: '1.5' } })
        .expect(200);
      expect(needed.body).to.deep.equal({ needed: false });
      const events = await c.events(t);
      expect(events.map((e) => e.task)).to.include('Uploading stemcell bosh-docker-busybox/1.5 to the cloud');
      const before = (await docker.getImage(list[0].cid).inspect()).Id;
      expect(
        (await c.finish(await c.upload('/stemcells?fix=true', await buildStemcell({ version: '1.5' })))).state,
      ).to.equal('done');
      expect((await docker.getImage(list[0].cid).inspect()).Id).to.not.equal(before);
      const gone = await docker
        .getImage(before)
        .inspect()
        .then(
          () => 'still there',
          (err) => (err as { statusCode?: number }).statusCode,
        );
      expect(gone, 'the image a re-upload replaced is removed').to.equal(404);
      const del = await c.finish(
        await h.api.delete('/stemcells/bosh-docker-busybox/1.5').set('Authorization', asAdmin),
      );
      expect(del.state).to.equal('done');
      expect((await h.api.get('/stemcells').set('Authorization', asAdmin)).body).to.deep.equal([]);
      try {
        await docker.getImage(list[0].cid).inspect();
        expect.fail('image still there');
      } catch (err) {
        expect((err as { statusCode?: number }).statusCode).to.equal(404);
      }
    });

    it('refuses a stemcell whose image does not match its digest, with an event error line', async function () {
      this.timeout(60_000);
      const t = await c.finish(await c.upload('/stemcells', await buildStemcell({ corruptDigest: true })));
      expect(t.state).to.equal('error');
      const last = (await c.events(t)).at(-1)!;
      expect(last.error.message).to.match(/does not match stemcell.MF sha1/);
      expect((await h.api.get('/stemcells').set('Authorization', asAdmin)).body).to.deep.equal([]);
    });

    it('accepts a stemcell whose stemcell.MF gives its image digest as sha256: or as several joined by ;', async function () {
      this.timeout(60_000);
      for (const [version, digest] of [
        ['2.1', stemcellDigests.sha256],
        ['2.2', stemcellDigests.both],
      ] as const) {
        const t = await c.finish(await c.upload('/stemcells', await buildStemcell({ version, digest })));
        expect(t.state, `${version}: ${t.result}`).to.equal('done');
      }
      const versions = (await h.api.get('/stemcells').set('Authorization', asAdmin).expect(200)).body.map(
        (s: Line) => s.version,
      );
      expect(versions).to.have.members(['2.1', '2.2']);
    });

    it('refuses a stemcell without an image digest, or with a sha256: or multi-digest that does not match', async function () {
      this.timeout(60_000);
      const refusals: Array<[(image: Buffer) => string | undefined, RegExp]> = [
        [stemcellDigests.none, /stemcell.MF has no sha1/],
        [() => '', /stemcell.MF has no sha1/],
        [() => 'md5:abc', /is not a digest/],
        [stemcellDigests.wrongSha256, /does not match stemcell.MF sha1 sha256:/],
        [stemcellDigests.rightSha1WrongSha256, /does not match stemcell.MF sha1 [0-9a-f]{40};sha256:0{64}/],
      ];
      for (const [digest, message] of refusals) {
        const t = await c.finish(await c.upload('/stemcells', await buildStemcell({ digest })));
        expect(t.state, String(message)).to.equal('error');
        expect((await c.events(t)).at(-1)!.error.message).to.match(message);
      }
      expect((await h.api.get('/stemcells').set('Authorization', asAdmin)).body).to.deep.equal([]);
      expect(await docker.listImages({ filters: { reference: ['bosun-stemcell/*'] } })).to.deep.equal([]);
    });

    it('ends bad uploads with a clear error: garbage, path tricks, bad manifests; refuses bad requests with 4xx', async function () {
      this.timeout(60_000);
      const tar = (files: Record<string, string>) =>
        tarFiles(Object.entries(files).map(([name, t]) => ({ name, content: Buffer.from(t), mode: 0o644 })));
      const failures: Array<[string, Buffer, RegExp]> = [
        [
          '/releases',
          Buffer.from('this is not an archive at all, just text '.repeat(40)),
          /not a valid tar archive|has no release.MF/,
        ],
        ['/releases', Buffer.from([0x1f, 0x8b, 1, 2, 3, 4, 5]), /not a valid gzip archive|not a valid tar archive/],
        ['/releases', await tar({ '../escape': 'x', 'release.MF': 'name: a\nversion: 1\n' }), /leaves the archive/],
        ['/releases', await tar({ 'release.MF': 'name: [unclosed' }), /release.MF is not valid YAML/],
        [
          '/releases',
          await tar({ 'release.MF': 'name: ok\nversion: "not valid!"\n' }),
          /release.MF is invalid: version/,
        ],
        [
          '/releases',
          await tar({
            'release.MF':
              'name: ok\nversion: 1\npackages:\n- {name: a, fingerprint: f, sha1: s, dependencies: [nope]}\n',
          }),
          /depends on unknown package 'nope'/,
        ],
        ['/stemcells', await tar({ 'stemcell.MF': 'name: x\nversion: 1\n' }), /Stemcell archive has no image/],
        ['/stemcells', await tar({ image: 'x' }), /Docker refused the stemcell image/],
      ];
      for (const [route, body, message] of failures) {
        const t = await c.finish(await c.upload(route, body));
        expect(t.state, `${route} ${message}`).to.equal('error');
        expect((await c.events(t)).at(-1)!.error.message).to.match(message);
      }
      await h.api
        .post('/releases')
        .set('Authorization', asAdmin)
        .set('Content-Type', 'application/x-compressed')
        .send(Buffer.alloc(0))
        .expect(400);
      await h.api
        .post('/releases')
        .set('Authorization', asAdmin)
        .set('Content-Type', 'text/plain')
        .send('x')
        .expect(415);
      await h.api
        .post('/releases')
        .set('Authorization', asAdmin)
        .send({ location: 'https://example.com/r.tgz' })
        .expect(400);
      await h.api
        .post('/stemcells')
        .set('Authorization', asReader)
        .set('Content-Type', 'application/x-compressed')
        .send(Buffer.from('x'))
        .expect(401);
      await h.api
        .post('/packages/matches')
        .set('Authorization', asAdmin)
        .set('Content-Type', 'text/yaml')
        .send('packages: 3')
        .expect(400);
      await h.api.post('/stemcell_uploads').set('Authorization', asAdmin).send({ stemcell: 'x' }).expect(400);
      await h.api.delete('/stemcells/nope/1').set('Authorization', asAdmin).expect(404);
      await h.api.delete('/releases/nope').set('Authorization', asAdmin).expect(404);
      await h.api.get('/events?before_time=yesterday-ish').set('Authorization', asAdmin).expect(400);
      await h.api.get('/events/abc').set('Authorization', asAdmin).expect(404);
      await h.api.get('/deployments/a%00b').set('Authorization', asAdmin).expect(400);
      await h.api.delete('/releases/%00').set('Authorization', asAdmin).expect(400);
      await h.api.get('/events?deployment=%00').set('Authorization', asAdmin).expect(400);
      await h.api.get('/deployments/%E0%A4%A').set('Authorization', asAdmin).expect(400);
      expect((await h.api.get('/releases').set('Authorization', asAdmin)).body).to.deep.equal([]);
      expect(await h.db.knex('blobs').count('* as n').first()).to.deep.equal({ n: 0 });
    });

    it('uploads releases, checks digests (sha1 and sha256:), answers package matches, and takes an upload without matched packages', async function () {
      this.timeout(60_000);
      const v1 = await webRelease('1');
      expect((await c.finish(await c.upload('/releases', v1.tarball))).state).to.equal('done');
      const list = (await h.api.get('/releases').set('Authorization', asReader).expect(200)).body;
      expect(list).to.deep.equal([
        {
          name: 'web-release',
          release_versions: [
            {
              version: '1',
              commit_hash: 'abc1234',
              uncommitted_changes: false,
              currently_deployed: false,
              job_names: ['web', 'smoke', 'crasher', 'legacy', 'needs-prop'],
            },
          ],
        },
      ]);
      const matches = await h.api
        .post('/packages/matches')
        .set('Authorization', asAdmin)
        .set('Content-Type', 'text/yaml')
        .send(YAML.stringify(v1.manifest))
        .expect(200);
      expect(matches.body).to.deep.equal([(v1.manifest.packages[0] as { fingerprint: string }).fingerprint]);

      const v2 = await webRelease('2');
      const withoutPackage = await buildRelease({ ...webReleaseOptions('2'), omitPackages: ['greeting'] });
      expect(withoutPackage.manifest.packages).to.deep.equal(v2.manifest.packages);
      const t2 = await c.finish(await c.upload('/releases', withoutPackage.tarball));
      expect(t2.state, t2.result ?? '').to.equal('done');
      const detail = await h.api.get('/releases/web-release?version=2').set('Authorization', asAdmin).expect(200);
      expect(detail.body.packages.map((p: Line) => p.name)).to.deep.equal(['greeting']);

      const bad = await c.finish(
        await c.upload('/releases', (await buildRelease({ ...webReleaseOptions('3'), corruptJob: 'web' })).tarball),
      );
      expect(bad.state).to.equal('error');
      expect((await c.events(bad)).at(-1)!.error.message).to.match(/Job 'web' .*does not match its digest/);
      const missing = await c.finish(
        await c.upload(
          '/releases',
          (await buildRelease({ ...webReleaseOptions('4', { packaging: 'exit 0\n' }), omitPackages: ['greeting'] }))
            .tarball,
        ),
      );
      expect(missing.state).to.equal('error');
      expect((await c.events(missing)).at(-1)!.error.message).to.match(
        /Package 'greeting' .*is missing from the release archive/,
      );

      const del = await c.finish(await h.api.delete('/releases/web-release?version=1').set('Authorization', asAdmin));
      expect(del.state).to.equal('done');
      const after = (await h.api.get('/releases').set('Authorization', asAdmin)).body;
      expect(after[0].release_versions.map((v: Line) => v.version)).to.deep.equal(['2']);
    });
  },
  { withFamilies: (h) => [directorFamily(familyDeps(h, { docker, secrets: new SecretStore(h.db.knex, secretsKey) }))] },
);

describeOnBothBackends(
  'Director deployments on Docker',
  (h) => {
    const c = directorClient(h);
    useDirectorRunner(h);

    it('deploys, serves, scales up and down, updates a changed property, lists vms, and deletes with nothing left in Docker', async function () {
      this.timeout(300_000);
      await c.uploadBasics();
      const diff = await h.api
        .post('/deployments/web/diff?redact=true')
        .set('Authorization', asAdmin)
        .set('Content-Type', 'text/yaml')
        .send(webManifest())
        .expect(200);
      expect(diff.body.diff.length).to.be.greaterThan(5);
      // Every line added, sections apart by an empty line as the Director writes them.
      expect(
        diff.body.diff.every((l: unknown[]) => l.length === 2 && (l[1] === 'added' || (l[0] === '' && l[1] === null))),
      ).to.equal(true);

      const first = await c.deployed(webManifest());
      expect(first.state, JSON.stringify(await c.events(first))).to.equal('done');
      expect(first.result).to.equal('/deployments/web');
      const stages = (await c.events(first)).map((e) => e.stage);
      expect(stages).to.include.members([
        'Preparing deployment',
        'Compiling packages',
        'Creating missing vms',
        'Updating instance',
      ]);
      expect(
        (await c.events(first)).some(
          (e) => e.stage === 'Updating instance' && /^web\/[0-9a-f-]{36} \(0\) \(canary\)$/.test(e.task),
        ),
      ).to.equal(true);

      let containers = await c.containers('web');
      expect(containers).to.have.length(1);
      const password = (await new SecretStore(h.db.knex, secretsKey).get('/bosun/web/web_password'))!.value;
      expect(password).to.be.a('string').with.length(20);
      expect(await c.serve(containers[0].Id)).to.equal(`hello from web/0 secret=${password as string}`);

      const deployments = (await h.api.get('/deployments').set('Authorization', asReader).expect(200)).body;
      expect(deployments).to.deep.equal([
        {
          name: 'web',
          cloud_config: 'none',
          releases: [{ name: 'web-release', version: '1' }],
          stemcells: [{ name: 'bosh-docker-busybox', version: '1.0' }],
          teams: [],
          locked: false,
        },
      ]);
      expect((await h.api.get('/deployments/web').set('Authorization', asReader).expect(200)).body.manifest).to.equal(
        webManifest(),
      );
      const vms = await c.vms('web');
      expect(vms).to.have.length(1);
      expect(vms[0]).to.include({ job_name: 'web', index: 0, job_state: 'running', bootstrap: true });
      expect(vms[0].processes).to.deep.include({
        name: 'web',
        state: 'running',
        uptime: { secs: 0 },
        mem: { kb: 0, percent: 0 },
        cpu: { total: 0 },
      });
      expect(vms[0].vitals.mem.kb).to.be.a('string');
      expect(vms[0].vitals.cpu.user).to.be.a('string');
      expect(vms[0].stemcell).to.deep.equal({ name: 'bosh-docker-busybox', version: '1.0', api_version: 3 });
      const firstInstance = (await c.instances('web'))[0];

      const again = await c.deployed(webManifest());
      expect(again.state).to.equal('done');
      expect((await c.events(again)).some((e) => e.stage === 'Updating instance')).to.equal(false);
      expect((await c.containers('web'))[0].Id).to.equal(containers[0].Id);

      const scaled = await c.deployed(webManifest({ instances: 3, message: 'changed' }));
      expect(scaled.state, JSON.stringify(await c.events(scaled))).to.equal('done');
      containers = await c.containers('web');
      expect(containers).to.have.length(3);
      for (const ct of containers) expect(await c.serve(ct.Id)).to.match(/^changed from web\/[0-2] secret=/);
      const instances = await c.instances('web');
      expect(instances.map((i) => i.index)).to.deep.equal([0, 1, 2]);
      expect(instances[0].id).to.equal(firstInstance.id);
      expect(instances[0].cid).to.not.equal(firstInstance.cid);

      const down = await c.deployed(webManifest({ instances: 1, message: 'changed' }));
      expect(down.state).to.equal('done');
      expect(
        (await c.events(down)).filter((e) => e.stage === 'Deleting unneeded instances' && e.state === 'finished'),
      ).to.have.length(2);
      expect(await c.containers('web')).to.have.length(1);

      const events = (await h.api.get('/events?deployment=web').set('Authorization', asReader).expect(200))
        .body as Line[];
      expect(events.every((e) => typeof e.id === 'string' && typeof e.task === 'string')).to.equal(true);
      expect(events.some((e) => e.action === 'create' && e.object_type === 'deployment' && e.parent_id)).to.equal(true);
      expect(events.filter((e) => e.object_type === 'instance' && e.action === 'delete')).to.have.length(2);
      const lockEvents = (
        await h.api.get(`/events?task=${first.id}&object_type=lock`).set('Authorization', asReader).expect(200)
      ).body;
      expect(lockEvents.map((e: Line) => [e.action, e.object_name])).to.deep.equal([
        ['release', 'lock:deployment:web'],
        ['acquire', 'lock:deployment:web'],
      ]);

      const dry = await c.deployed(webManifest({ instances: 5 }), '?dry_run=true');
      expect(dry.state).to.equal('done');
      expect(dry.description).to.equal('create deployment (dry run)');
      expect(await c.containers('web')).to.have.length(1);
      const byTask = (
        await h.api.get(`/events?task=${first.id}&object_type=deployment`).set('Authorization', asReader).expect(200)
      ).body;
      expect(byTask).to.have.length(2);

      const inUse = await c.finish(
        await h.api.delete('/stemcells/bosh-docker-busybox/1.0').set('Authorization', asAdmin),
      );
      expect(inUse.state).to.equal('error');
      expect(inUse.result).to.equal("Stemcell 'bosh-docker-busybox/1.0' is still in use by: web");
      const stemcells = (await h.api.get('/stemcells').set('Authorization', asAdmin)).body;
      expect(stemcells[0].deployments).to.deep.equal([{ name: 'web' }]);

      const taskContainers = await docker.listContainers({
        all: true,
        filters: { label: ['bosun.managed=true', `bosun.task-id=${first.id}`] },
      });
      expect(taskContainers, 'compilation containers are removed').to.deep.equal([]);

      const del = await c.finish(await h.api.delete('/deployments/web').set('Authorization', asAdmin));
      expect(del.state).to.equal('done');
      expect(await c.containers('web')).to.deep.equal([]);
      expect((await h.api.get('/deployments').set('Authorization', asAdmin)).body).to.deep.equal([]);
      await h.api
        .get('/deployments/web')
        .set('Authorization', asAdmin)
        .expect(404, { code: 70000, description: "Deployment 'web' doesn't exist" });
    });

    it('runs errands in fresh containers and stops, starts, restarts and recreates instances', async function () {
      this.timeout(300_000);
      await c.uploadBasics();
      const legacy = {
        name: 'legacy',
        instances: 1,
        stemcell: 'default',
        jobs: [{ name: 'legacy', release: 'web-release' }],
      };
      expect((await c.deployed(webManifest({ extraGroups: [legacy] }))).state).to.equal('done');
      const legacyVm = (await c.vms('web')).find((v) => v.job_name === 'legacy')!;
      expect(legacyVm.job_state).to.equal('running');
      expect(legacyVm.processes.map((p: Line) => [p.name, p.state])).to.deep.equal([['legacy', 'running']]);
      expect((await c.deployed(webManifest())).state).to.equal('done');
      expect(
        (await h.api.get('/deployments/web/errands').set('Authorization', asAdmin).expect(200)).body,
      ).to.deep.equal([{ name: 'smoke-tests' }]);

      const run = await c.finish(
        await h.api
          .post('/deployments/web/errands/smoke-tests/runs')
          .set('Authorization', asAdmin)
          .send({ 'keep-alive': false, 'when-changed': false, instances: [] }),
      );
      expect(run.state).to.equal('done');
      const [result] = ndjson(await readLog(h.tasks, run.id, 'result'));
      expect(result).to.include({ exit_code: 0, stdout: 'hello from a package\n', stderr: 'smoke errand on stderr\n' });
      expect(await c.containers('web')).to.have.length(1);

      expect((await c.deployed(webManifest({ errandExit: 3 }))).state).to.equal('done');
      const failing = await c.finish(
        await h.api.post('/deployments/web/errands/smoke-tests/runs').set('Authorization', asAdmin).send({}),
      );
      expect(failing.state).to.equal('done');
      expect(ndjson(await readLog(h.tasks, failing.id, 'result'))[0].exit_code).to.equal(3);

      const put = (path: string) =>
        h.api.put(path).set('Authorization', asAdmin).set('Content-Type', 'text/yaml').send('');
      const before = (await c.containers('web'))[0];
      expect((await c.finish(await put('/deployments/web/jobs/web/0?state=stopped'))).state).to.equal('done');
      expect((await c.vms('web'))[0]).to.include({ job_state: 'stopped', state: 'stopped' });
      expect((await c.finish(await put('/deployments/web/jobs/*?state=started'))).state).to.equal('done');
      expect((await c.vms('web'))[0]).to.include({ job_state: 'running', state: 'started' });
      expect((await c.finish(await put('/deployments/web/jobs/web?state=restart'))).state).to.equal('done');
      expect(await c.serve((await c.containers('web'))[0].Id)).to.match(/^hello from web\/0/);
      const recreate = await c.finish(
        await put(`/deployments/web/jobs/web/${(await c.instances('web'))[0].id}?state=recreate`),
      );
      expect(recreate.state).to.equal('done');
      const after = (await c.containers('web'))[0];
      expect(after.Id).to.not.equal(before.Id);
      expect(await c.serve(after.Id)).to.match(/^hello from web\/0/);
      await put('/deployments/web/jobs/web/0?state=sideways').expect(400);
      await put('/deployments/web/jobs/nope?state=stopped').expect(400);
      const actions = (
        (await h.api.get('/events?object_type=instance').set('Authorization', asAdmin)).body as Line[]
      ).map((e) => e.action);
      expect(actions).to.include.members(['stop', 'start', 'restart', 'recreate']);
    });

    it('serialises tasks of one deployment in its lock, and shows the lock', async function () {
      this.timeout(300_000);
      await c.uploadBasics();
      const a = await c.deploy(webManifest());
      const b = await c.deploy(webManifest({ message: 'second' }));
      const idOf = (res: { headers: Record<string, string> }) => Number(res.headers.location.split('/').pop());
      await waitForTask(h.tasks, idOf(a), (t) => t.state === 'processing', TASK_TIMEOUT);
      const locks = (await h.api.get('/locks').set('Authorization', asReader).expect(200)).body;
      expect(locks).to.have.length(1);
      expect(locks[0]).to.include({ type: 'deployment', task_id: String(idOf(a)) });
      expect(locks[0].resource).to.deep.equal(['web']);
      expect(Number.isFinite(parseFloat(locks[0].timeout))).to.equal(true);
      expect((await h.tasks.get(idOf(b)))!.state).to.equal('queued');
      const ta = await c.finish(a);
      const tb = await c.finish(b);
      expect([ta.state, tb.state]).to.deep.equal(['done', 'done']);
      expect(tb.startedAt!.getTime()).to.be.at.least(ta.timestamp.getTime());
      expect(await c.serve((await c.containers('web'))[0].Id)).to.match(/^second from web\/0/);
      expect((await h.api.get('/locks').set('Authorization', asReader).expect(200)).body).to.deep.equal([]);
    });

    it('ends bad deploys with an error event line and refuses bad requests with 4xx', async function () {
      this.timeout(300_000);
      await c.uploadBasics();
      const lastError = async (t: Task) => (await c.events(t)).at(-1)!.error?.message as string;

      await c
        .deploy('name: [unclosed')
        .expect(400)
        .expect((r) => expect(r.body.description).to.match(/not valid YAML/));
      await c.deploy('- a list').expect(400);
      await c.deploy('name: "has space"').expect(400);
      await h.api
        .post('/deployments')
        .set('Authorization', asAdmin)
        .set('Content-Type', 'application/json')
        .send('{}')
        .expect(415);
      await h.api
        .post('/deployments')
        .set('Authorization', asReader)
        .set('Content-Type', 'text/yaml')
        .send(webManifest())
        .expect(401);
      await h.api.post('/deployments').set('Content-Type', 'text/yaml').send(webManifest()).expect(401);
      await h.api.delete('/deployments/nope').set('Authorization', asAdmin).expect(404);
      await h.api.get('/deployments/nope/vms').set('Authorization', asAdmin).expect(404);

      const unknownRelease = await c.deployed(webManifest().replace(/web-release/g, 'no-such-release'));
      expect(unknownRelease.state).to.equal('error');
      expect(await lastError(unknownRelease)).to.match(/Release 'no-such-release' doesn't exist/);

      const invalid = await c.deployed(webManifest({ name: 'web' }).replace('instances: 1', 'instances: lots'));
      expect(invalid.state).to.equal('error');
      expect(await lastError(invalid)).to.match(/instance_groups\.0\.instances/);

      const crash = await c.deployed(
        webManifest({
          name: 'crashy',
          extraGroups: [
            { name: 'crash', instances: 1, stemcell: 'default', jobs: [{ name: 'crasher', release: 'web-release' }] },
          ],
        }),
      );
      expect(crash.state).to.equal('error');
      expect(await lastError(crash)).to.match(
        /'crash\/[0-9a-f-]+ \(0\)' is not running after update. Review logs for failed jobs: crasher/,
      );
      const failedStep = (await c.events(crash)).find((e) => e.state === 'failed');
      expect(failedStep!.data.error).to.match(/is not running after update/);

      const missingProp = await c.deployed(
        webManifest({
          name: 'props',
          extraGroups: [
            { name: 'conf', instances: 1, stemcell: 'default', jobs: [{ name: 'needs-prop', release: 'web-release' }] },
          ],
        }),
      );
      expect(missingProp.state).to.equal('error');
      expect(await lastError(missingProp)).to.match(
        /Error filling in template 'conf.erb' \(line 1: Can't find property '\["required"\]'\)/,
      );

      const r2 = await c.finish(
        await c.upload('/releases', (await webRelease('9', { packaging: 'echo "about to fail"\nexit 3\n' })).tarball),
      );
      expect(r2.state).to.equal('done');
      const compileFail = await c.deployed(webManifest({ name: 'broken', releaseVersion: '9' }));
      expect(compileFail.state).to.equal('error');
      expect(await lastError(compileFail)).to.match(
        /Compiling package 'greeting': packaging script exited with code 3/,
      );
      expect(await readLog(h.tasks, compileFail.id, 'debug')).to.contain('about to fail');

      expect((await h.api.get('/deployments/crashy').set('Authorization', asAdmin).expect(200)).body).to.deep.equal({
        manifest: '',
      });
      expect(
        (await c.finish(await h.api.delete('/deployments/crashy?force=true').set('Authorization', asAdmin))).state,
      ).to.equal('done');
      expect(await c.containers('crashy')).to.deep.equal([]);
    });

    it('streams a 200 MB compiled package from the compiling container through the database into the instance, memory flat', async function () {
      // In-memory PGlite keeps the whole database in this process: the blob itself would be the growth measured.
      if (h.backend === 'embedded') this.skip();
      this.timeout(180_000);
      const size = 200 * 1024 * 1024;
      const packaging = `set -e\ncp greeting.txt "$BOSH_INSTALL_TARGET/"\nhead -c ${size} /dev/zero > "$BOSH_INSTALL_TARGET/big"\n`;
      expect((await c.finish(await c.upload('/stemcells', await buildStemcell()))).state).to.equal('done');
      expect(
        (await c.finish(await c.upload('/releases', (await webRelease('1', { packaging })).tarball))).state,
      ).to.equal('done');

      const peak = rssPeakSampler();
      const t = await c.deployed(webManifest());
      const growth = peak.stop();
      expect(t.state, JSON.stringify((await c.events(t)).at(-1))).to.equal('done');

      const [container] = await c.containers('web');
      const out = await execInContainer(docker.getContainer(container.Id), [
        'sh',
        '-c',
        'wc -c < /var/vcap/packages/greeting/big; sha1sum /var/vcap/packages/greeting/big',
      ]);
      const zeros = crypto.createHash('sha1');
      for (let left = size; left > 0; left -= 1024 * 1024) zeros.update(Buffer.alloc(Math.min(left, 1024 * 1024)));
      const [bytes, sum] = out.stdout.trim().split(/\s+/);
      expect(Number(bytes)).to.equal(size);
      expect(sum).to.equal(zeros.digest('hex'));
      expect(growth, `peak RSS growth ${Math.round(growth / 1024 / 1024)} MB`).to.be.below(100 * 1024 * 1024);
    });
  },
  { withFamilies: (h) => [directorFamily(familyDeps(h, { docker, secrets: new SecretStore(h.db.knex, secretsKey) }))] },
);

/** Samples this process's RSS every 20 ms until stopped; returns the peak's growth over the RSS at the start. */
function rssPeakSampler() {
  const start = process.memoryUsage().rss;
  let peak = start;
  const timer = setInterval(() => {
    peak = Math.max(peak, process.memoryUsage().rss);
  }, 20);
  return {
    stop(): number {
      clearInterval(timer);
      peak = Math.max(peak, process.memoryUsage().rss);
      return peak - start;
    },
  };
}
