import { expect } from 'chai';
import YAML from 'yaml';
import { directorFamily } from '../../src/families/director/family';
import { LABELS } from '../../src/docker/labels';
import { SecretStore } from '../../src/secrets/secret-store';
import type { Task } from '../../src/tasks/task';
import { asAdmin } from '../support/auth';
import { buildRelease, buildStemcell } from '../support/bosh-fixtures';
import { docker, familyDeps } from '../support/docker';
import { describeOnBothBackends } from '../support/harness';
import { readLog, startRunner, stopRunners, waitForTask } from '../support/runners';

const hostileRelease = () =>
  buildRelease({
    name: 'hostile-release',
    version: '1',
    packages: [],
    jobs: [
      {
        name: 'huge',
        spec: { templates: { 'huge.erb': 'config/huge' } },
        templates: { 'huge.erb': '<% s = "x" * 500000000 %>' },
      },
      {
        name: 'loops',
        spec: { templates: { 'loops.erb': 'config/loops' } },
        templates: { 'loops.erb': '<% 1000.times { 1000.times { 1000.times { } } } %>' },
      },
      {
        name: 'recursion',
        spec: { templates: { 'ok.erb': 'config/ok', 'deep.erb': 'config/deep' } },
        templates: { 'ok.erb': 'fine', 'deep.erb': '<% def f(n)\n  f(n + 1)\nend\nf(0) %>' },
      },
      {
        name: 'regex',
        spec: { templates: { 'regex.erb': 'config/regex' } },
        templates: { 'regex.erb': '<%= ("a"*40+"!") =~ /(a+)+$/ %>' },
      },
      {
        name: 'fine',
        spec: { templates: { 'fine.erb': 'config/fine' } },
        templates: { 'fine.erb': 'rendered <%= 6 * 7 %>\n' },
      },
    ],
  });

const manifest = (name: string, jobs: string[]) =>
  YAML.stringify({
    name,
    releases: [{ name: 'hostile-release', version: 'latest' }],
    stemcells: [{ alias: 'default', os: 'busybox', version: 'latest' }],
    update: { canaries: 1, max_in_flight: 1, canary_watch_time: '300-3000', update_watch_time: '300-3000' },
    instance_groups: [
      {
        name: 'tpl',
        instances: 1,
        stemcell: 'default',
        jobs: jobs.map((j) => ({ name: j, release: 'hostile-release' })),
      },
    ],
  });

describeOnBothBackends(
  'deploying hostile job templates',
  (h) => {
    beforeEach(() =>
      startRunner(
        h.db,
        h.families.flatMap((f) => f.operations),
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
    after(async () => {
      for (const f of h.families ?? []) await f.stop?.();
    });

    const started = (res: { status: number; headers: Record<string, string>; text: string }) => {
      expect(res.status, res.text).to.equal(302);
      return Number(res.headers.location.split('/').pop());
    };
    const finish = async (res: { status: number; headers: Record<string, string>; text: string }) =>
      waitForTask(h.tasks, started(res), undefined, 120_000);
    const upload = (path: string, body: Buffer) =>
      h.api.post(path).set('Authorization', asAdmin).set('Content-Type', 'application/x-compressed').send(body);
    /** The whole error of a failed task: its last event line's (the result keeps 128 characters). */
    const failure = async (t: Task) => {
      expect(t.state).to.equal('error');
      return (
        JSON.parse((await readLog(h.tasks, t.id, 'event')).trim().split('\n').at(-1)!) as { error: { message: string } }
      ).error.message;
    };
    const deploy = (text: string) =>
      h.api.post('/deployments').set('Authorization', asAdmin).set('Content-Type', 'text/yaml').send(text);

    it('fails each as a template error naming the group, job and file, answers /info meanwhile, and deploys afterwards', async function () {
      this.timeout(300_000);
      expect((await finish(await upload('/stemcells', await buildStemcell()))).state).to.equal('done');
      expect((await finish(await upload('/releases', (await hostileRelease()).tarball))).state).to.equal('done');

      const refused = await finish(await deploy(manifest('refused', ['fine', 'huge', 'loops', 'recursion'])));
      expect(await failure(refused)).to.equal(
        [
          "Unable to render jobs for instance group 'tpl'. Errors are:",
          "  - Unable to render templates for job 'huge'. Errors are:",
          "    - Error filling in template 'huge.erb' (line 1: string of 500000000 characters is too large for a template (at most 8388608))",
          "  - Unable to render templates for job 'loops'. Errors are:",
          "    - Error filling in template 'loops.erb' (line 1: template does too much work (more than 5000000 steps))",
          "  - Unable to render templates for job 'recursion'. Errors are:",
          "    - Error filling in template 'deep.erb' (line 2: stack level too deep)",
        ].join('\n'),
      );

      // The catastrophic expression runs until the renderer's deadline (10 s by default): /info answers
      // all along, while the deploy is still rendering.
      const id = started(await deploy(manifest('stuck', ['fine', 'regex'])));
      await waitForTask(h.tasks, id, () => false, 0).catch(() => undefined);
      const prepared = async () =>
        (await readLog(h.tasks, id, 'event'))
          .split('\n')
          .some((l) => l.includes('"Preparing deployment"') && l.includes('"finished"'));
      for (let i = 0; i < 1500 && !(await prepared()); i++) await new Promise((r) => setTimeout(r, 20));
      expect(await prepared(), 'the deploy did not get past preparing').to.equal(true);
      for (let i = 0; i < 5; i++) expect((await h.api.get('/info').expect(200)).body.name).to.equal('bosun-test');
      expect((await h.tasks.get(id))!.state, 'the deploy ended before /info answered').to.equal('processing');
      const stuck: Task = await waitForTask(h.tasks, id, undefined, 120_000);
      expect(await failure(stuck)).to.equal(
        [
          "Unable to render jobs for instance group 'tpl'. Errors are:",
          "  - Unable to render templates for job 'regex'. Errors are:",
          "    - Error filling in template 'regex.erb' (rendering took longer than 10 s; its renderer was stopped)",
        ].join('\n'),
      );

      const fine = await finish(await deploy(manifest('fine', ['fine'])));
      expect(fine.state, fine.result ?? '').to.equal('done');
    });
  },
  {
    withFamilies: (h) => [
      directorFamily(familyDeps(h, { docker, secrets: new SecretStore(h.db.knex, Buffer.alloc(32, 7)) })),
    ],
  },
);
