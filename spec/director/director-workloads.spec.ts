import crypto from 'node:crypto';
import { expect } from 'chai';
import YAML from 'yaml';
import { directorFamily } from '../../src/director/director-family';
import { INSTANCE_LABELS } from '../../src/director/instances/instance-containers';
import { execInContainer } from '../../src/docker/exec-in-container';
import { SecretStore } from '../../src/secrets/secret-store';
import type { Task } from '../../src/tasks/task';
import { asAdmin, asReader } from '../support/auth';
import { buildRelease, buildStemcell, webManifest, webRelease, webReleaseOptions } from '../support/bosh-fixtures';
import { docker, familyDeps } from '../support/docker';
import { describeOnBothBackends, Harness } from '../support/harness';
import { readLog, startRunner, stopRunners, waitForTask } from '../support/runners';

const secretsKey = crypto.createHash('sha256').update('bosun director specs').digest();
const TASK_TIMEOUT = 120_000;

type Line = Record<string, any>;
const ndjson = (text: string): Line[] => text.split('\n').filter(Boolean).map((l) => JSON.parse(l));

export function directorClient(h: Harness) {
  const c = {
    /** Follows a 302 to its task and waits until it ends. */
    async finish(res: { status: number; headers: Record<string, string>; text: string }): Promise<Task> {
      expect(res.status, res.text).to.equal(302);
      const id = Number(/^\/tasks\/(\d+)$/.exec(res.headers.location)![1]);
      return waitForTask(h.tasks, id, undefined, TASK_TIMEOUT);
    },
    upload: (path: string, body: Buffer) => h.api.post(path).set('Authorization', asAdmin).set('Content-Type', 'application/x-compressed').send(body),
    deploy: (manifest: string, query = '') => h.api.post(`/deployments${query}`).set('Authorization', asAdmin).set('Content-Type', 'text/yaml').send(manifest),
    async deployed(manifest: string, query = ''): Promise<Task> {
      return c.finish(await c.deploy(manifest, query));
    },
    events: async (t: Task) => ndjson(await readLog(h.tasks, t.id, 'event')),
    async containers(deployment: string) {
      return docker.listContainers({ all: true, filters: { label: [`${INSTANCE_LABELS.deployment}=${deployment}`] } });
    },
    async serve(containerId: string): Promise<string> {
      const out = await execInContainer(docker.getContainer(containerId), ['wget', '-qO-', 'http://127.0.0.1:8080/']);
      return out.stdout.trim();
    },
    async vms(deployment: string): Promise<Line[]> {
      const t = await c.finish(await h.api.get(`/deployments/${deployment}/vms?format=full`).set('Authorization', asAdmin));
      expect(t.state).to.equal('done');
      return ndjson(await readLog(h.tasks, t.id, 'result'));
    },
    async instances(deployment: string) {
      return (await h.api.get(`/deployments/${deployment}/instances`).set('Authorization', asAdmin).expect(200)).body as Line[];
    },
    async uploadBasics(releaseVersion = '1') {
      expect((await c.finish(await c.upload('/stemcells', await buildStemcell()))).state).to.equal('done');
      expect((await c.finish(await c.upload('/releases', (await webRelease(releaseVersion)).tarball))).state).to.equal('done');
    },
  };
  return c;
}

describeOnBothBackends(
  'Director workloads on Docker',
  (h) => {
    const c = directorClient(h);
    beforeEach(async () => startRunner(h.db, h.families.flatMap((f) => f.operations), { workers: 4, timeoutSeconds: 30 }));
    afterEach(async () => {
      await stopRunners();
      for (const ct of await docker.listContainers({ all: true, filters: { label: [INSTANCE_LABELS.deployment] } })) {
        await docker.getContainer(ct.Id).remove({ force: true }).catch(() => undefined);
      }
    });

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
      const needed = await h.api.post('/stemcell_uploads').set('Authorization', asAdmin).send({ stemcell: { name: 'bosh-docker-busybox', version: '1.5' } }).expect(200);
      expect(needed.body).to.deep.equal({ needed: false });
      const events = await c.events(t);
      expect(events.map((e) => e.task)).to.include('Uploading stemcell bosh-docker-busybox/1.5 to the cloud');
      const del = await c.finish(await h.api.delete('/stemcells/bosh-docker-busybox/1.5').set('Authorization', asAdmin));
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

    it('uploads releases, checks digests (sha1 and sha256:), answers package matches, and takes an upload without matched packages', async function () {
      this.timeout(60_000);
      const v1 = await webRelease('1');
      expect((await c.finish(await c.upload('/releases', v1.tarball))).state).to.equal('done');
      const list = (await h.api.get('/releases').set('Authorization', asReader).expect(200)).body;
      expect(list).to.deep.equal([
        { name: 'web-release', release_versions: [{ version: '1', commit_hash: 'abc1234', uncommitted_changes: false, currently_deployed: false, job_names: ['web', 'smoke', 'crasher', 'needs-prop'] }] },
      ]);
      const matches = await h.api.post('/packages/matches').set('Authorization', asAdmin).set('Content-Type', 'text/yaml').send(YAML.stringify(v1.manifest)).expect(200);
      expect(matches.body).to.deep.equal([(v1.manifest.packages[0] as { fingerprint: string }).fingerprint]);

      const v2 = await webRelease('2');
      const withoutPackage = await buildRelease({ ...webReleaseOptions('2'), omitPackages: ['greeting'] });
      expect(withoutPackage.manifest.packages).to.deep.equal(v2.manifest.packages);
      const t2 = await c.finish(await c.upload('/releases', withoutPackage.tarball));
      expect(t2.state, t2.result ?? '').to.equal('done');
      const detail = await h.api.get('/releases/web-release?version=2').set('Authorization', asAdmin).expect(200);
      expect(detail.body.packages.map((p: Line) => p.name)).to.deep.equal(['greeting']);

      const bad = await c.finish(await c.upload('/releases', (await buildRelease({ ...webReleaseOptions('3'), corruptJob: 'web' })).tarball));
      expect(bad.state).to.equal('error');
      expect((await c.events(bad)).at(-1)!.error.message).to.match(/Job 'web' .*does not match its digest/);
      const missing = await c.finish(await c.upload('/releases', (await buildRelease({ ...webReleaseOptions('4', { packaging: 'exit 0\n' }), omitPackages: ['greeting'] })).tarball));
      expect(missing.state).to.equal('error');
      expect((await c.events(missing)).at(-1)!.error.message).to.match(/Package 'greeting' .*is missing from the release archive/);

      const del = await c.finish(await h.api.delete('/releases/web-release?version=1').set('Authorization', asAdmin));
      expect(del.state).to.equal('done');
      const after = (await h.api.get('/releases').set('Authorization', asAdmin)).body;
      expect(after[0].release_versions.map((v: Line) => v.version)).to.deep.equal(['2']);
    });
  },
  { withFamilies: (h) => [directorFamily(familyDeps(h), docker, new SecretStore(h.db.knex, secretsKey))] },
);

