import crypto from 'node:crypto';
import { expect } from 'chai';
import { LABELS, instanceLabels } from '../../src/docker/labels';
import { BlobStore } from '../../src/blobs/blob-store';
import { directorFamily } from '../../src/families/director/family';
import { DeploymentsRepo } from '../../src/families/director/deployments/deployments-repo';
import { CompiledPackagesRepo } from '../../src/families/director/packages/compiled-packages-repo';
import { SecretStore } from '../../src/secrets/secret-store';
import type { Task } from '../../src/tasks/task';
import { asAdmin, asReader } from '../support/auth';
import { buildStemcell, webRelease } from '../support/bosh-fixtures';
import { docker, familyDeps } from '../support/docker';
import { describeOnBothBackends, Harness } from '../support/harness';
import { readLog, startRunner, stopRunners, waitForTask } from '../support/runners';
import { TEST_IMAGE } from '../support/test-env';

const secretsKey = crypto.createHash('sha256').update('bosun clean-up specs').digest();
const STEMCELL = 'bosh-docker-busybox';
const GONE = '00000000-0000-4000-8000-00000000000a';
const OWNED = '00000000-0000-4000-8000-00000000000b';
const BUSY = '00000000-0000-4000-8000-00000000000c';

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- the Director's JSON answers, read field by field
type Line = Record<string, any>;

describeOnBothBackends(
  'bosh clean-up and orphaned VMs (Director workloads on Docker)',
  (h: Harness) => {
    const made: string[] = [];
    beforeEach(async () =>
      startRunner(
        h.db,
        h.families.flatMap((f) => f.operations),
        { workers: 2 },
      ),
    );
    afterEach(async () => {
      await stopRunners();
      for (const id of made.splice(0))
        await docker
          .getContainer(id)
          .remove({ force: true })
          .catch(() => undefined);
      for (const image of await docker.listImages({ filters: { reference: ['bosun-stemcell/*'] } }))
        await docker
          .getImage(image.Id)
          .remove({ force: true })
          .catch(() => undefined);
    });

    const finish = async (res: { status: number; headers: Record<string, string>; text: string }): Promise<Task> => {
      expect(res.status, res.text).to.equal(302);
      return waitForTask(h.tasks, Number(res.headers.location.split('/').pop()), undefined, 120_000);
    };
    const upload = async (path: string, body: Buffer) => {
      const t = await finish(
        await h.api.post(path).set('Authorization', asAdmin).set('Content-Type', 'application/x-compressed').send(body),
      );
      expect(t.state, t.result ?? '').to.equal('done');
    };
    /** A VM container as deploys label them (created, never started: listing and removal need no more). */
    const vm = async (deployment: string, instanceId: string) => {
      const c = await docker.createContainer({
        Image: TEST_IMAGE,
        Cmd: ['true'],
        Labels: instanceLabels({ deployment, instanceId, group: 'web', index: 0, nodeId: 'node-a' }),
        HostConfig: { NetworkMode: 'none' },
      });
      made.push(c.id);
      return c.id;
    };
    const cleanUp = async (removeAll: boolean) =>
      finish(
        await h.api
          .post('/cleanup')
          .set('Authorization', asAdmin)
          .send({ config: { remove_all: removeAll } }),
      );
    const dryRun = async (query: string) =>
      (await h.api.get(`/cleanup/dryrun?${query}`).set('Authorization', asAdmin).expect(200)).body as Line;
    const stepsOf = async (t: Task) =>
      (await readLog(h.tasks, t.id, 'event'))
        .split('\n')
        .filter(Boolean)
        .map((l) => JSON.parse(l) as Line)
        .filter((e) => e.state === 'finished')
        .map((e) => [e.stage, e.task, e.total]);

    it('lists what it would delete, deletes it stage by stage as the Director names them, and keeps the two newest unused versions', async function () {
      this.timeout(300_000);
      for (const v of ['1.0', '2.0', '3.0', '4.0']) await upload('/stemcells', await buildStemcell({ version: v }));
      for (const v of ['1', '2', '3', '4']) await upload('/releases', (await webRelease(v)).tarball);
      // Deployment `web` uses release 2 and stemcell 1.0; nothing else is used.
      const deployments = new DeploymentsRepo(h.db.knex);
      await deployments.findOrCreate('web');
      await deployments.saveDeployed(
        'web',
        'name: web\n',
        [{ name: 'web-release', version: '2' }],
        [{ name: STEMCELL, version: '1.0' }],
      );
      const blobs = new BlobStore(h.db.knex);
      const compiled = new CompiledPackagesRepo(h.db.knex);
      const compiledBlob: Record<string, string> = {};
      for (const v of ['1.0', '2.0']) {
        compiledBlob[v] = await blobs.put(Buffer.from(`compiled for ${v}`));
        const [pkg] = await h.db.knex('release_packages').select('name', 'fingerprint').limit(1);
        await compiled.save({
          name: String(pkg.name),
          fingerprint: String(pkg.fingerprint),
          stemcellOs: 'busybox',
          stemcellVersion: v,
          dependencyKey: '',
          sha1: 'x',
          blobId: compiledBlob[v],
        });
      }
      // An orphan (its instance is gone), a VM its instance owns, and one of a deployment whose task runs.
      const orphan = await vm('gone', GONE);
      const owned = await vm('web', OWNED);
      await h.db.knex('instances').insert({
        id: OWNED,
        deployment: 'web',
        instance_group: 'web',
        idx: 0,
        bootstrap: true,
        container_id: owned,
      });
      await vm('busy', BUSY);
      // A task holding the deployment's lock, as a deploy does while it runs (stored as is: nothing runs it).
      const [{ id: running }] = await h.db
        .knex('tasks')
        .insert({ type: 'held', state: 'processing', description: 'held', queue_name: 'lock:deployment:busy' })
        .returning('id');

      const orphans = (await h.api.get('/orphaned_vms').set('Authorization', asAdmin).expect(200)).body as Line[];
      expect(orphans).to.have.length(1);
      expect(orphans[0]).to.include({ az: null, cid: orphan, deployment_name: 'gone', instance_name: `web/${GONE}` });
      expect(orphans[0].ip_addresses).to.deep.equal([]);
      expect(orphans[0].orphaned_at).to.match(/^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d UTC$/);
      await h.api.get('/orphaned_vms').set('Authorization', asReader).expect(401);

      const plain = await dryRun('remove_all=false');
      expect(plain.releases).to.deep.equal([{ name: 'web-release', versions: ['1'] }]);
      expect(plain.stemcells.map((s: Line) => s.version)).to.deep.equal(['2.0']);
      expect(plain.stemcells[0]).to.include({ name: STEMCELL, operating_system: 'busybox' });
      expect(plain.compiled_packages).to.deep.equal([]);
      expect(plain.orphaned_vms.map((o: Line) => o.cid)).to.deep.equal([orphan]);
      expect([plain.orphaned_disks, plain.exported_releases, plain.dns_blobs]).to.deep.equal([[], [], []]);
      const all = await dryRun('remove_all=true&keep_orphaned_disks=false');
      expect(all.releases).to.deep.equal([{ name: 'web-release', versions: ['1', '3', '4'] }]);
      expect(all.stemcells.map((s: Line) => s.version)).to.deep.equal(['2.0', '3.0', '4.0']);
      expect(all.compiled_packages).to.have.length(1);
      expect(all.compiled_packages[0]).to.include({ stemcell_os: 'busybox', stemcell_version: '2.0' });

      const cids = Object.fromEntries(
        ((await h.api.get('/stemcells').set('Authorization', asAdmin).expect(200)).body as Line[]).map((s) => [
          s.version,
          String(s.cid),
        ]),
      );
      const imageOf = async (v: string) =>
        docker
          .getImage(cids[v])
          .inspect()
          .then(
            () => true,
            () => false,
          );

      const first = await cleanUp(false);
      expect(first).to.include({ state: 'done', type: 'delete_artifacts', description: 'clean up' });
      // The Director's own line, cut at 128 characters as the Director cuts every task result.
      expect(first.result).to.equal(
        'Deleted 1 release(s), 1 stemcell(s), 0 extra compiled package(s), 0 orphaned disk(s), 1 orphaned vm(s), 0 exported release(s),...',
      );
      expect(await stepsOf(first)).to.deep.equal([
        ['Deleting orphaned vms', orphan, 1],
        ['Deleting releases', 'web-release/1', 1],
        ['Deleting stemcells', `${STEMCELL}/2.0`, 1],
      ]);
      expect(await docker.listContainers({ all: true, filters: { id: [orphan] } })).to.have.length(0);
      expect(await docker.listContainers({ all: true, filters: { label: [LABELS.deployment] } })).to.have.length(2);
      expect(await imageOf('2.0')).to.equal(false);
      expect(await imageOf('1.0')).to.equal(true);
      // Without --all the compiled packages of a deleted stemcell stay, as on the Director.
      expect(await h.db.knex('blobs').where({ id: compiledBlob['2.0'] }).count({ n: '*' })).to.deep.equal([{ n: 1 }]);

      await h.db.knex('tasks').where({ id: running }).update({ state: 'done' });
      const second = await cleanUp(true);
      expect(second).to.include({ state: 'done', description: 'clean up all' });
      expect(second.result).to.match(
        /^Deleted 2 release\(s\), 2 stemcell\(s\), 1 extra compiled package\(s\), 0 orphaned disk\(s\), 1 orphaned vm\(s\)/,
      );
      const steps = await stepsOf(second);
      expect(steps.map((s) => s[0])).to.deep.equal([
        'Deleting orphaned vms',
        'Deleting releases',
        'Deleting releases',
        'Deleting stemcells',
        'Deleting stemcells',
        'Deleting compiled packages',
      ]);
      expect(steps.slice(1, 5).map((s) => s[1])).to.deep.equal([
        'web-release/3',
        'web-release/4',
        `${STEMCELL}/3.0`,
        `${STEMCELL}/4.0`,
      ]);
      expect(steps[5][1]).to.match(/ for busybox\/2\.0$/);
      expect(await imageOf('3.0')).to.equal(false);
      expect(await imageOf('4.0')).to.equal(false);
      expect(await imageOf('1.0')).to.equal(true);
      expect(await h.db.knex('blobs').where({ id: compiledBlob['2.0'] }).count({ n: '*' })).to.deep.equal([{ n: 0 }]);
      expect(await h.db.knex('blobs').where({ id: compiledBlob['1.0'] }).count({ n: '*' })).to.deep.equal([{ n: 1 }]);
      const left = (await h.db.knex('release_versions').select('version')).map((r) => r.version);
      expect(left).to.deep.equal(['2']);
      // What remains is in use: a dry run finds nothing more.
      const after = await dryRun('remove_all=true');
      expect([after.releases, after.stemcells, after.compiled_packages, after.orphaned_vms]).to.deep.equal([
        [],
        [],
        [],
        [],
      ]);
    });
  },
  { withFamilies: (h) => [directorFamily(familyDeps(h, { docker, secrets: new SecretStore(h.db.knex, secretsKey) }))] },
);
