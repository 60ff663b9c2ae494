import crypto from 'node:crypto';
import { expect } from 'chai';
import YAML from 'yaml';
import { directorFamily } from '../../src/families/director/family';
import { LABELS } from '../../src/docker/labels';
import { SecretStore } from '../../src/secrets/secret-store';
import type { Task } from '../../src/tasks/task';
import { asAdmin, asReader } from '../support/auth';
import { buildStemcell, webManifest, webRelease } from '../support/bosh-fixtures';
import { docker, familyDeps } from '../support/docker';
import { describeOnBothBackends, Harness } from '../support/harness';
import { readLog, startRunner, stopRunners, waitForTask } from '../support/runners';

const secretsKey = crypto.createHash('sha256').update('bosun cloud config specs').digest();
const MB = 1024 * 1024;

/** A cloud config for webManifest's names (az z1, vm type default, network default), `default` sized as given. */
function cloudConfig(defaultVm: { cpus: number; memory: number }, extraVmTypes: object[] = []) {
  return YAML.stringify({
    azs: [{ name: 'z1' }, { name: 'z2' }],
    vm_types: [{ name: 'default', cloud_properties: defaultVm }, ...extraVmTypes],
    networks: [
      {
        name: 'default',
        type: 'manual',
        subnets: [{ range: '10.244.0.0/24', gateway: '10.244.0.1', azs: ['z1', 'z2'], static: ['10.244.0.10'] }],
      },
    ],
    compilation: { workers: 1, network: 'default', az: 'z1', vm_type: 'default' },
  });
}

/** webManifest with its errand group on the cloud config too (the Director asks every group for a vm type). */
function manifest(opts: { vmType?: string } = {}) {
  const doc = YAML.parse(webManifest({ name: 'cc' })) as { instance_groups: Array<Record<string, unknown>> };
  for (const g of doc.instance_groups) {
    g.vm_type = opts.vmType ?? 'default';
    g.networks = [{ name: 'default' }];
  }
  return YAML.stringify(doc);
}

function client(h: Harness) {
  const c = {
    async finish(res: { status: number; headers: Record<string, string>; text: string }): Promise<Task> {
      expect(res.status, res.text).to.equal(302);
      return waitForTask(h.tasks, Number(/\/tasks\/(\d+)$/.exec(res.headers.location)![1]), undefined, 120_000);
    },
    upload: (path: string, body: Buffer) =>
      h.api.post(path).set('Authorization', asAdmin).set('Content-Type', 'application/x-compressed').send(body),
    cloudConfig: (text: string) =>
      h.api
        .post('/cloud_configs')
        .set('Authorization', asAdmin)
        .set('Content-Type', 'text/yaml')
        .send(text)
        .expect(201),
    diff: async (text: string) =>
      (
        await h.api
          .post('/deployments/cc/diff?redact=true')
          .set('Authorization', asAdmin)
          .set('Content-Type', 'text/yaml')
          .send(text)
          .expect(200)
      ).body as { context: { cloud_config_ids: number[] }; diff: Array<[string, string | null]> },
    async deploy(text: string, context?: object): Promise<Task> {
      const query = context ? `?context=${encodeURIComponent(JSON.stringify(context))}` : '';
      return c.finish(
        await h.api
          .post(`/deployments${query}`)
          .set('Authorization', asAdmin)
          .set('Content-Type', 'text/yaml')
          .send(text),
      );
    },
    events: async (t: Task) =>
      (await readLog(h.tasks, t.id, 'event'))
        .split('\n')
        .filter(Boolean)
        .map((l) => JSON.parse(l) as { stage?: string; error?: { code: number; message: string } }),
    containers: () => docker.listContainers({ all: true, filters: { label: [`${LABELS.deployment}=cc`] } }),
    async limits(id: string) {
      const info = await docker.getContainer(id).inspect();
      return { memory: info.HostConfig.Memory, cpus: info.HostConfig.NanoCpus };
    },
    state: async () =>
      (
        (await h.api.get('/deployments').set('Authorization', asReader).expect(200)).body as Array<{
          cloud_config: string;
        }>
      )[0].cloud_config,
  };
  return c;
}

describeOnBothBackends(
  'Director deployments on a cloud config',
  (h) => {
    const c = client(h);
    beforeEach(async () =>
      startRunner(
        h.db,
        h.families.flatMap((f) => f.operations),
        { workers: 4, timeoutSeconds: 30 },
      ),
    );
    afterEach(async () => {
      await stopRunners();
      for (const ct of await docker.listContainers({ all: true, filters: { label: [LABELS.deployment] } }))
        await docker
          .getContainer(ct.Id)
          .remove({ force: true })
          .catch(() => undefined);
      for (const image of await docker.listImages({ filters: { reference: ['bosun-stemcell/*'] } }))
        await docker
          .getImage(image.Id)
          .remove({ force: true })
          .catch(() => undefined);
    });

    it('deploys with the vm type as container limits, shows config changes in the diff, and recreates only what a change affects', async function () {
      this.timeout(400_000);
      expect((await c.finish(await c.upload('/stemcells', await buildStemcell()))).state).to.equal('done');
      expect((await c.finish(await c.upload('/releases', (await webRelease('1')).tarball))).state).to.equal('done');
      await c.cloudConfig(cloudConfig({ cpus: 0.5, memory: 256 }));

      const first = await c.diff(manifest());
      expect(first.context.cloud_config_ids).to.have.length(1);
      expect(first.diff).to.deep.include(['vm_types:', 'added']);
      const deployed = await c.deploy(manifest(), first.context);
      expect(deployed.state, JSON.stringify(await c.events(deployed))).to.equal('done');
      let [vm] = await c.containers();
      expect(await c.limits(vm.Id)).to.deep.equal({ memory: 256 * MB, cpus: 0.5e9 });
      expect(await c.state()).to.equal('latest');
      const used = await h.api.get('/deployment_configs?deployment[]=cc').set('Authorization', asReader).expect(200);
      expect(used.body).to.deep.equal([
        { deployment: 'cc', config: { id: first.context.cloud_config_ids[0], type: 'cloud', name: 'default' } },
      ]);

      // A vm type no group uses: the diff shows it, the deploy leaves the instance as it is.
      await c.cloudConfig(cloudConfig({ cpus: 0.5, memory: 256 }, [{ name: 'large', cloud_properties: { cpus: 2 } }]));
      expect(await c.state()).to.equal('outdated');
      const unrelated = await c.diff(manifest());
      expect(unrelated.diff).to.deep.equal([
        ['vm_types:', null],
        ['- name: large', 'added'],
        ['  cloud_properties:', 'added'],
        ['    cpus: 2', 'added'],
      ]);
      const kept = await c.deploy(manifest(), unrelated.context);
      expect(kept.state).to.equal('done');
      expect((await c.events(kept)).some((e) => e.stage === 'Updating instance')).to.equal(false);
      expect((await c.containers())[0].Id).to.equal(vm.Id);
      expect(await c.state()).to.equal('latest');

      // The group's own vm type changes: the instance is out of date and gets a container with the new limits.
      await c.cloudConfig(cloudConfig({ cpus: 1, memory: 128 }, [{ name: 'large', cloud_properties: { cpus: 2 } }]));
      const changed = await c.diff(manifest());
      expect(changed.diff).to.deep.equal([
        ['vm_types:', null],
        ['- name: default', null],
        ['  cloud_properties:', null],
        ['    cpus: 0.5', 'removed'],
        ['    cpus: 1', 'added'],
        ['    memory: 256', 'removed'],
        ['    memory: 128', 'added'],
      ]);
      const updated = await c.deploy(manifest(), changed.context);
      expect(updated.state, JSON.stringify(await c.events(updated))).to.equal('done');
      [vm] = await c.containers();
      expect(await c.limits(vm.Id)).to.deep.equal({ memory: 128 * MB, cpus: 1e9 });

      // bosh recreate: a new container, the same limits.
      const recreated = await c.finish(
        await h.api.put('/deployments/cc/jobs/web?state=recreate').set('Authorization', asAdmin).send(),
      );
      expect(recreated.state).to.equal('done');
      const [fresh] = await c.containers();
      expect(fresh.Id).to.not.equal(vm.Id);
      expect(await c.limits(fresh.Id)).to.deep.equal({ memory: 128 * MB, cpus: 1e9 });

      // An unknown vm type fails the deploy with the Director's code and message; the deployment stays as it was.
      const unknown = await c.deploy(manifest({ vmType: 'huge' }));
      expect(unknown.state).to.equal('error');
      expect((await c.events(unknown)).find((e) => e.error)!.error).to.deep.equal({
        code: 140004,
        message: "Instance group 'web' references an unknown vm type 'huge'",
      });
      expect((await c.containers())[0].Id).to.equal(fresh.Id);

      const bad = await h.api
        .post(`/deployments?context=${encodeURIComponent('{"cloud_config_ids":[999]}')}`)
        .set('Authorization', asAdmin)
        .set('Content-Type', 'text/yaml')
        .send(manifest())
        .expect(400);
      expect(bad.body).to.deep.equal({ code: 190025, description: 'Context includes invalid config ID' });
    });
  },
  { withFamilies: (h) => [directorFamily(familyDeps(h, { docker, secrets: new SecretStore(h.db.knex, secretsKey) }))] },
);
