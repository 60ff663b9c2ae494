import crypto from 'node:crypto';
import { expect } from 'chai';
import { directorFamily } from '../../src/families/director/family';
import { LABELS } from '../../src/docker/labels';
import { SecretStore } from '../../src/secrets/secret-store';
import { asAdmin } from '../support/auth';
import { buildStemcell, webManifest, webRelease } from '../support/bosh-fixtures';
import { docker, familyDeps } from '../support/docker';
import { describeOnBothBackends, Harness } from '../support/harness';
import { startRunner, stopRunners, waitForTask } from '../support/runners';

const secretsKey = crypto.createHash('sha256').update('bosun director limit specs').digest();
const DEFAULT_LIMITS = {
  Memory: 1024 ** 3,
  MemorySwap: 1024 ** 3,
  PidsLimit: 1024,
  NanoCpus: 1_000_000_000,
  SecurityOpt: ['no-new-privileges'],
};

describeOnBothBackends(
  'limits of Director containers',
  (h) => {
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

    const finish = async (res: { status: number; headers: Record<string, string> }) => {
      expect(res.status).to.equal(302);
      return waitForTask(h.tasks, Number(res.headers.location.split('/').pop()), undefined, 120_000);
    };
    const upload = (p: string, body: Buffer) =>
      h.api.post(p).set('Authorization', asAdmin).set('Content-Type', 'application/x-compressed').send(body);

    it('compiles packages and runs instances in containers with the configured limits and security options', async function () {
      this.timeout(300_000);
      expect((await finish(await upload('/stemcells', await buildStemcell()))).state).to.equal('done');
      // The packaging script waits, so that its container can be looked at while it exists.
      const packaging = 'set -e\nsleep 3\ncp greeting.txt "$BOSH_INSTALL_TARGET/"\n';
      expect((await finish(await upload('/releases', (await webRelease('1', { packaging })).tarball))).state).to.equal(
        'done',
      );
      const res = await h.api
        .post('/deployments')
        .set('Authorization', asAdmin)
        .set('Content-Type', 'text/yaml')
        .send(webManifest());
      expect(res.status).to.equal(302);
      const taskId = Number(res.headers.location.split('/').pop());
      let compile: Record<string, unknown> | null = null;
      for (let i = 0; i < 1200 && !compile; i++) {
        const [ct] = await docker.listContainers({
          all: true,
          filters: { label: ['bosun.managed=true', `bosun.task-id=${taskId}`] },
        });
        if (ct)
          compile = (
            await docker
              .getContainer(ct.Id)
              .inspect()
              .catch(() => null)
          )?.HostConfig as unknown as Record<string, unknown>;
        else await new Promise((r) => setTimeout(r, 50));
      }
      expect(compile).to.deep.include(DEFAULT_LIMITS);
      expect(compile!.CapDrop).to.include.members(['NET_RAW', 'MKNOD']);
      expect((await waitForTask(h.tasks, taskId, undefined, 120_000)).state).to.equal('done');
      const [instance] = await docker.listContainers({ all: true, filters: { label: [`${LABELS.deployment}=web`] } });
      const hostConfig = (await docker.getContainer(instance.Id).inspect()).HostConfig as unknown as Record<
        string,
        unknown
      >;
      expect(hostConfig).to.deep.include(DEFAULT_LIMITS);
      expect(hostConfig.CapDrop).to.include.members(['NET_RAW', 'MKNOD']);
    });
  },
  {
    withFamilies: (h: Harness) => [
      directorFamily(familyDeps(h, { docker, secrets: new SecretStore(h.db.knex, secretsKey) })),
    ],
  },
);
