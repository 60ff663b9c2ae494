import crypto from 'node:crypto';
import { expect } from 'chai';
import YAML from 'yaml';
import { directorFamily } from '../../src/families/director/family';
import { LABELS } from '../../src/docker/labels';
import { createLogger } from '../../src/logger';
import { OperationRegistry } from '../../src/runner/operation';
import { TaskRunner } from '../../src/runner/task-runner';
import { SecretStore } from '../../src/secrets/secret-store';
import { asAdmin, asReader } from '../support/auth';
import { buildRelease, buildStemcell } from '../support/bosh-fixtures';
import { docker, familyDeps } from '../support/docker';
import { describeOnBothBackends } from '../support/harness';
import { readLog, waitForTask } from '../support/runners';

const secretsKey = crypto.createHash('sha256').update('bosun deploy redaction specs').digest();
const SECRET = 's3cr"et\\pw-4-db';

const leakRelease = () =>
  buildRelease({
    name: 'leak-release',
    version: '1',
    packages: [],
    jobs: [
      {
        name: 'leaky',
        spec: { templates: { 'conf.erb': 'config/conf' }, properties: { 'db.password': {} } },
        templates: { 'conf.erb': '<% raise "cannot connect with " + p("db.password") %>\n' },
      },
    ],
  });

const manifest = YAML.stringify({
  name: 'leak',
  releases: [{ name: 'leak-release', version: 'latest' }],
  stemcells: [{ alias: 'default', os: 'busybox', version: 'latest' }],
  update: { canaries: 1, max_in_flight: 1, canary_watch_time: '300-3000', update_watch_time: '300-3000' },
  instance_groups: [
    {
      name: 'db',
      instances: 1,
      stemcell: 'default',
      jobs: [{ name: 'leaky', release: 'leak-release', properties: { db: { password: '((/leak/db_password))' } } }],
    },
  ],
});

describeOnBothBackends(
  'secrets in a failed deploy',
  (h) => {
    const daemonLog: string[] = [];
    let runner: TaskRunner;
    beforeEach(async () => {
      daemonLog.length = 0;
      const log = createLogger('info', { write: (line: string) => void daemonLog.push(line) });
      runner = new TaskRunner(
        h.db,
        new OperationRegistry(h.families.flatMap((f) => f.operations)),
        { nodeId: 'node-a', workers: 2, pollIntervalMs: 60_000, checkpointIntervalMs: 200, timeoutSeconds: 30 },
        log,
      );
      await runner.start();
    });
    afterEach(async () => {
      await runner.stop(30_000);
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

    const finish = async (res: { status: number; headers: Record<string, string>; text: string }) => {
      expect(res.status, res.text).to.equal(302);
      return waitForTask(h.tasks, Number(res.headers.location.split('/').pop()), undefined, 120_000);
    };
    const upload = (path: string, body: Buffer) =>
      h.api.post(path).set('Authorization', asAdmin).set('Content-Type', 'application/x-compressed').send(body);

    it('keeps a secret quoted by a failing template out of the task result, event and debug logs, GET /events and the daemon log', async function () {
      this.timeout(300_000);
      await new SecretStore(h.db.knex, secretsKey).set('/leak/db_password', 'value', SECRET);
      expect((await finish(await upload('/stemcells', await buildStemcell()))).state).to.equal('done');
      expect((await finish(await upload('/releases', (await leakRelease()).tarball))).state).to.equal('done');

      const task = await finish(
        await h.api.post('/deployments').set('Authorization', asAdmin).set('Content-Type', 'text/yaml').send(manifest),
      );
      expect(task.state).to.equal('error');
      const events = (await h.api.get('/events').set('Authorization', asReader).expect(200)).body as Array<{
        error?: string;
      }>;
      const written = {
        result: task.result ?? '',
        event: await readLog(h.tasks, task.id, 'event'),
        debug: await readLog(h.tasks, task.id, 'debug'),
        'GET /events': JSON.stringify(events),
        'daemon log': daemonLog.join(''),
      };
      // The result is the message's first 128 characters, as the Director's; the event log has all of it.
      expect(task.result).to.match(
        /^Unable to render jobs for instance group 'db'\. Errors are:\n {2}- Unable to render templates for job 'leaky'\./,
      );
      const failure = JSON.parse(written.event.trim().split('\n').at(-1)!) as { error: { message: string } };
      expect(failure.error.message).to.match(
        /\n {4}- Error filling in template 'conf.erb' \(line 1: cannot connect with \[redacted\]\)$/,
      );
      expect(events.some((e) => /cannot connect with \[redacted\]/.test(e.error ?? ''))).to.equal(true);
      expect(written['daemon log']).to.contain('task failed');
      for (const [where, text] of Object.entries(written)) {
        if (where !== 'result') expect(text, where).to.contain('cannot connect with [redacted]');
        expect(text, where).not.to.contain('s3cr');
      }
    });
  },
  { withFamilies: (h) => [directorFamily(familyDeps(h, { docker, secrets: new SecretStore(h.db.knex, secretsKey) }))] },
);
