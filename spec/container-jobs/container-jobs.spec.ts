import zlib from 'node:zlib';
import { expect } from 'chai';
import { tarFiles } from '../../src/docker/tar-files';
import { containerJobsFamily } from '../../src/families/container-jobs/family';
import crypto from 'node:crypto';
import { loadConfig } from '../../src/config/load-config';
import { SecretStore } from '../../src/secrets/secret-store';
import { asAdmin, asReader } from '../support/auth';
import { containersOfTask, contentOf, docker, familyDeps } from '../support/docker';
import { describeOnBothBackends, Harness } from '../support/harness';
import { startRunner, stopRunners, waitForTask } from '../support/runners';
import { TEST_IMAGE } from '../support/test-env';
import { bodyBudget } from '../../src/families/container-jobs/body-budget';

/** The defaults, with a short stop grace: killed jobs end quickly. */
function withStopGrace(seconds: number) {
  const config = loadConfig({ env: { BOSUN_NODE_ID: 'node-a' } });
  return { ...config, docker: { ...config.docker, stop_grace_seconds: seconds } };
}

const secretsKey = crypto.createHash('sha256').update('bosun job specs').digest();

/** Images the family asked the engine to pull: the registry allow-list is checked before any is. */
const pulls: string[] = [];
const watchedDocker = new Proxy(docker, {
  get(target, prop, receiver) {
    if (prop === 'pull')
      return (image: string, ...rest: unknown[]) => (
        pulls.push(image),
        (target.pull as (...a: unknown[]) => unknown)(image, ...rest)
      );
    return Reflect.get(target, prop, receiver);
  },
});

describeOnBothBackends(
  'container jobs (/v1/api/job) on Docker',
  (h) => {
    beforeEach(async () =>
      startRunner(
        h.db,
        h.families.flatMap((f) => f.operations),
        { workers: 4 },
      ),
    );
    afterEach(stopRunners);

    const submit = (body: object) => h.api.post('/v1/api/job').set('Authorization', asAdmin).send(body);

    async function run(body: object) {
      const res = await submit({ container_image: TEST_IMAGE, ...body }).expect(302);
      await waitForTask(h.tasks, res.body.task_id, undefined, 60_000);
      return (await h.api.get(`/v1/api/job/${res.body._id}`).set('Authorization', asAdmin).expect(200)).body;
    }

    it('answers 302 to the task with the job summary as the body', async () => {
      const res = await submit({ container_image: TEST_IMAGE, qname: 'Builds', run: ['true'] }).expect(302);
      expect(res.headers.location).to.equal(`/tasks/${res.body.task_id}`);
      expect(res.body).to.include({ status: 'queued', qname: 'builds' });
      expect(res.body._id).to.match(/^[0-9a-f-]{36}$/);
      const task = await h.api.get(res.headers.location).set('Authorization', asAdmin).expect(200);
      expect(task.body.description).to.contain(res.body._id);
      expect((await waitForTask(h.tasks, res.body.task_id, undefined, 60_000)).state).to.equal('done');
    });

    it("answers every bad request with a 4xx in GoStint's shape, and records nothing", async () => {
      const bad: object[] = [
        {},
        { container_image: '' },
        { container_image: 'UPPER/case' },
        { container_image: TEST_IMAGE, run: 'echo hi' },
        { container_image: TEST_IMAGE, run: [1, 2] },
        { container_image: TEST_IMAGE, tty: 'yes' },
        { container_image: TEST_IMAGE, env_vars: ['NOEQUALS'] },
        { container_image: TEST_IMAGE, working_directory: 'relative/dir' },
        { container_image: TEST_IMAGE, image_pull_policy: 'Sometimes' },
        { container_image: TEST_IMAGE, secret_refs: ['not-a-ref'] },
        { container_image: TEST_IMAGE, secret_file_type: 'toml' },
        { container_image: TEST_IMAGE, qname: 'has space' },
        { container_image: TEST_IMAGE, content: 'not base64 !!' },
        { container_image: TEST_IMAGE, content: Buffer.from('plain text').toString('base64') },
        { container_image: TEST_IMAGE, surprise: true },
        { container_image: TEST_IMAGE, wrap_secret_id: 'abc' },
        { container_image: TEST_IMAGE, cubby_token: 't', cubby_path: 'p' },
        { container_image: TEST_IMAGE, resources: { memory: 'lots' } },
        { container_image: TEST_IMAGE, resources: { memory: '1k' } },
        { container_image: TEST_IMAGE, resources: { pids: 1.5 } },
        { container_image: TEST_IMAGE, resources: { cpus: 0 } },
        { container_image: TEST_IMAGE, resources: { swap: '1g' } },
        { container_image: TEST_IMAGE, resources: 'big' },
      ];
      for (const body of bad) {
        const res = await submit(body);
        expect(res.status, JSON.stringify(body)).to.equal(400);
        expect(res.body.status).to.equal('Invalid job request.');
        expect(res.body.error).to.be.a('string').and.not.equal('');
      }
      const vault = await submit({ container_image: TEST_IMAGE, wrap_secret_id: 'abc' });
      expect(vault.body.error).to.match(/Vault/);
      const badJson = await h.api
        .post('/v1/api/job')
        .set('Authorization', asAdmin)
        .set('Content-Type', 'application/json')
        .send('{"container_image":');
      expect(badJson.status).to.equal(400);
      expect(badJson.body).to.have.keys('status', 'error');
      await h.api
        .post('/v1/api/job')
        .set('Authorization', asAdmin)
        .set('Content-Type', 'text/plain')
        .send('x')
        .expect(400);
      for (const id of ['nope', '00000000-0000-4000-8000-000000000000', '..%2F..', '%00']) {
        const got = await h.api.get(`/v1/api/job/${id}`).set('Authorization', asAdmin);
        expect(got.status, id).to.equal(404);
        expect(got.body.status).to.equal('Job not found.');
        expect((await h.api.post(`/v1/api/job/kill/${id}`).set('Authorization', asAdmin)).status, id).to.equal(404);
        expect((await h.api.delete(`/v1/api/job/${id}`).set('Authorization', asAdmin)).status, id).to.equal(404);
      }
      for (const q of ['skip=-1', 'skip=x', 'limit=0', 'limit=1000']) {
        expect((await h.api.get(`/v1/api/job?${q}`).set('Authorization', asAdmin)).status, q).to.equal(400);
      }
      const anon = await h.api.get('/v1/api/job');
      expect(anon.status).to.equal(401);
      expect(anon.body).to.have.keys('status', 'error');
      const reader = await h.api
        .post('/v1/api/job')
        .set('Authorization', asReader)
        .send({ container_image: TEST_IMAGE });
      expect(reader.status).to.equal(403);
      expect(await h.tasks.list({})).to.have.length(0);
    });

    it('reports success and return code 0, or failed with the exit code', async () => {
      const ok = await run({ run: ['sh', '-c', 'exit 0'] });
      expect(ok).to.include({ status: 'success', return_code: 0, kill_requested: false });
      expect(ok.started).to.be.a('string');
      expect(ok.ended).to.be.a('string');
      const bad = await run({ run: ['sh', '-c', 'exit 3'] });
      expect(bad).to.include({ status: 'failed', return_code: 3 });
      const task = await h.api.get(`/tasks/${bad.task_id}`).set('Authorization', asAdmin).expect(200);
      expect(task.body).to.include({ state: 'error', result: 'Container exited with code 3' });
    });

    it('keeps stdout and stderr apart, and merges them with a tty', async () => {
      const plain = await run({ run: ['sh', '-c', 'echo to-out; echo to-err >&2'] });
      expect(plain.output).to.equal('to-out\n');
      expect(plain.stderr).to.equal('to-err\n');
      const tty = await run({ run: ['sh', '-c', 'echo to-out; echo to-err >&2'], tty: true });
      expect(tty.output).to.contain('to-out').and.contain('to-err');
      expect(tty.stderr).to.equal('');
    });

    it('overlays content (with or without the targz, prefix), and sets env, working directory and entrypoint', async () => {
      const content = await contentOf({ 'data/hello.txt': 'hello from content\n' });
      const a = await run({ content, run: ['cat', '/data/hello.txt'] });
      expect(a.output).to.equal('hello from content\n');
      const b = await run({ content: `targz,${content}`, working_directory: '/data', run: ['cat', 'hello.txt'] });
      expect(b.output).to.equal('hello from content\n');
      const c = await run({
        env_vars: ['GREETING=hi there'],
        run: ['sh', '-c', 'echo "$GREETING"; pwd'],
        working_directory: '/tmp',
      });
      expect(c.output).to.equal('hi there\n/tmp\n');
      const d = await run({ entrypoint: ['/bin/echo', 'from-entrypoint'], run: ['and-arg'] });
      expect(d.output).to.equal('from-entrypoint and-arg\n');
    });

    it('answers a NUL character in run, entrypoint, env_vars or working_directory with 400, and records nothing', async () => {
      const bad: Array<[object, string]> = [
        [{ run: ['echo', 'a\u0000b'] }, 'run.1'],
        [{ entrypoint: ['\u0000'] }, 'entrypoint.0'],
        [{ env_vars: ['A=\u0000'] }, 'env_vars.0'],
        [{ env_vars: { A: 'x\u0000' } }, 'env_vars.A'],
        [{ working_directory: '/tmp\u0000' }, 'working_directory'],
      ];
      for (const [body, field] of bad) {
        const res = await submit({ container_image: TEST_IMAGE, ...body });
        expect(res.status, JSON.stringify(body)).to.equal(400);
        expect(res.body).to.have.keys('status', 'error');
        expect(res.body.error).to.contain(field).and.contain('NUL');
      }
      expect(await h.tasks.list({})).to.have.length(0);
    });

    it('streams a large content into the database and out to the container, and removes it after the run', async () => {
      const data = crypto.randomBytes(9 * 1024 * 1024);
      const content = zlib
        .gzipSync(await tarFiles([{ name: 'data/blob.bin', content: data, mode: 0o644 }]))
        .toString('base64');
      const escaped = JSON.stringify({
        container_image: TEST_IMAGE,
        run: ['md5sum', '/data/blob.bin'],
        content: `targz,${content}`,
      }).replace(/\//g, '\\/');
      const res = await h.api
        .post('/v1/api/job')
        .set('Authorization', asAdmin)
        .set('Content-Type', 'application/json')
        .send(escaped)
        .expect(302);
      await waitForTask(h.tasks, res.body.task_id, undefined, 120_000);
      const job = (await h.api.get(`/v1/api/job/${res.body._id}`).set('Authorization', asAdmin).expect(200)).body;
      expect(job.output.split(' ')[0]).to.equal(crypto.createHash('md5').update(data).digest('hex'));
      const [{ n }] = await h.db.knex('blobs').count({ n: '*' });
      expect(Number(n)).to.equal(0);
    });

    it('answers 503 with Retry-After while the body budget is spent, and 302 once it is free', async () => {
      const release = bodyBudget.tryReserve(bodyBudget.totalBytes - bodyBudget.inFlight);
      try {
        const res = await submit({ container_image: TEST_IMAGE, run: ['true'] });
        expect(res.status).to.equal(503);
        expect(res.headers['retry-after']).to.match(/^\d+$/);
        expect(res.body).to.have.keys('status', 'error');
      } finally {
        release!();
      }
      await submit({ container_image: TEST_IMAGE, run: ['true'] }).expect(302);
    });

    it('streams output into the debug log while the container runs, readable with Range', async () => {
      const res = await submit({
        container_image: TEST_IMAGE,
        run: ['sh', '-c', 'for i in 1 2 3 4 5 6 7 8 9 10; do echo line-$i; sleep 0.2; done'],
      }).expect(302);
      const id = res.body.task_id;
      let offset = 0;
      let seen = '';
      let readsWhileRunning = 0;
      for (;;) {
        const t = (await h.tasks.get(id))!;
        const out = await h.api
          .get(`/tasks/${id}/output?type=debug`)
          .set('Authorization', asAdmin)
          .set('Range', `bytes=${offset}-`);
        if (out.status === 206) {
          seen += out.text;
          offset += Buffer.byteLength(out.text);
          if (t.state === 'processing' && seen.includes('line-2') && !seen.includes('line-10')) readsWhileRunning++;
        }
        if (['done', 'error'].includes(t.state)) break;
        await new Promise((r) => setTimeout(r, 100));
      }
      expect(readsWhileRunning, 'output read while the container was still running').to.be.greaterThan(0);
      expect(seen).to.contain('line-1\n').and.contain('line-10\n');
      const stdout = await h.api.get(`/tasks/${id}/output?type=stdout`).set('Authorization', asAdmin).expect(200);
      expect(stdout.text.split('\n').filter(Boolean)).to.have.length(10);
    });

    it('runs the jobs of one queue one at a time in submission order, and other queues alongside', async () => {
      const body = (q: string) => ({ container_image: TEST_IMAGE, qname: q, run: ['sleep', '0.6'] });
      const ids: Array<{ q: string; id: string; task: number }> = [];
      for (let i = 0; i < 3; i++) {
        for (const q of ['alpha', 'beta']) {
          const res = await submit(body(q)).expect(302);
          ids.push({ q, id: res.body._id, task: res.body.task_id });
        }
      }
      for (const j of ids) await waitForTask(h.tasks, j.task, undefined, 60_000);
      const jobs = await Promise.all(
        ids.map(async (j) => ({
          ...j,
          ...(await h.api.get(`/v1/api/job/${j.id}`).set('Authorization', asAdmin)).body,
        })),
      );
      for (const q of ['alpha', 'beta']) {
        const runs = jobs.filter((j) => j.q === q);
        for (let i = 1; i < runs.length; i++) {
          expect(Date.parse(runs[i].started), `${q} job ${i} starts after job ${i - 1} ended`).to.be.at.least(
            Date.parse(runs[i - 1].ended),
          );
        }
      }
      const a = jobs.find((j) => j.q === 'alpha')!;
      const b = jobs.find((j) => j.q === 'beta')!;
      expect(
        Date.parse(a.started) < Date.parse(b.ended) && Date.parse(b.started) < Date.parse(a.ended),
        'queues overlap',
      ).to.equal(true);
      expect(jobs.every((j) => j.status === 'success')).to.equal(true);
    });

    it('kills a queued job at once, and a running one: stopped, failed, kill_requested, no container left', async () => {
      const first = (await submit({ container_image: TEST_IMAGE, qname: 'k', run: ['sleep', '30'] }).expect(302)).body;
      const second = (await submit({ container_image: TEST_IMAGE, qname: 'k', run: ['echo', 'second'] }).expect(302))
        .body;
      const third = (await submit({ container_image: TEST_IMAGE, qname: 'k', run: ['echo', 'third'] }).expect(302))
        .body;
      const killedQueued = await h.api.post(`/v1/api/job/kill/${second._id}`).set('Authorization', asAdmin).expect(200);
      expect(killedQueued.body).to.include({ status: 'failed', kill_requested: true });

      await waitForTask(h.tasks, first.task_id, (t) => t.state === 'processing');
      let containerId = '';
      while (!containerId) {
        containerId = (await h.api.get(`/v1/api/job/${first._id}`).set('Authorization', asAdmin)).body.container_id;
        await new Promise((r) => setTimeout(r, 50));
      }
      const kill = await h.api.post(`/v1/api/job/kill/${first._id}`).set('Authorization', asAdmin).expect(200);
      expect(kill.body).to.include({ status: 'stopping', kill_requested: true });
      await waitForTask(h.tasks, first.task_id, undefined, 60_000);
      const killed = (await h.api.get(`/v1/api/job/${first._id}`).set('Authorization', asAdmin)).body;
      expect(killed).to.include({ status: 'failed', kill_requested: true });
      expect(await containersOfTask(first.task_id)).to.have.length(0);
      const err = await docker
        .getContainer(containerId)
        .inspect()
        .catch((e) => e);
      expect(err.statusCode).to.equal(404);

      await waitForTask(h.tasks, third.task_id, undefined, 60_000);
      const thirdJob = (await h.api.get(`/v1/api/job/${third._id}`).set('Authorization', asAdmin)).body;
      expect(thirdJob).to.include({ status: 'success', output: 'third\n' });
      // In its queue, the third started once the first had ended: both stamps from the database's clock
      // (the first's end is stamped before its commit, which the third's claim waits for).
      expect((await h.tasks.get(third.task_id))!.startedAt!.getTime()).to.be.at.least(
        (await h.tasks.get(first.task_id))!.timestamp.getTime(),
      );
      const secondJob = (await h.api.get(`/v1/api/job/${second._id}`).set('Authorization', asAdmin)).body;
      expect(secondJob).to.include({ status: 'failed', container_id: '', output: '' });
    });

    it('cancelling the Director task kills the job (one path)', async () => {
      const job = (await submit({ container_image: TEST_IMAGE, run: ['sleep', '30'] }).expect(302)).body;
      await waitForTask(h.tasks, job.task_id, (t) => t.state === 'processing');
      while (!(await h.api.get(`/v1/api/job/${job._id}`).set('Authorization', asAdmin)).body.container_id)
        await new Promise((r) => setTimeout(r, 50));
      await h.api.delete(`/task/${job.task_id}`).set('Authorization', asAdmin).expect(204);
      await waitForTask(h.tasks, job.task_id, undefined, 60_000);
      const got = (await h.api.get(`/v1/api/job/${job._id}`).set('Authorization', asAdmin)).body;
      expect(got).to.include({ status: 'failed', kill_requested: true });
      expect((await h.tasks.get(job.task_id))!.state).to.equal('cancelled');
      expect(await containersOfTask(job.task_id)).to.have.length(0);
    });

    it('writes resolved secrets to /secrets.yml or /secrets.json read-only, and redacts them from the output', async () => {
      await new SecretStore(h.db.knex, secretsKey).set('/db/creds', 'json', {
        password: 'hunter2-very-secret',
        user: 'app',
      });
      const yml = await run({
        secret_refs: ['PASSWORD@db/creds.password', 'USER@db/creds.user'],
        run: ['sh', '-c', 'cat /secrets.yml; stat -c %a /secrets.yml'],
      });
      expect(yml.status).to.equal('success');
      expect(yml.output).to.contain('USER: [redacted]').and.contain('PASSWORD: [redacted]').and.contain('444');
      expect(yml.output).to.not.contain('hunter2');
      const json = await run({
        secret_refs: ['PASSWORD@db/creds.password'],
        secret_file_type: 'json',
        run: ['sh', '-c', 'grep -c hunter2-very-secret /secrets.json'],
      });
      expect(json.output).to.equal('1\n');
      const debug = await h.api.get(`/tasks/${yml.task_id}/output?type=debug`).set('Authorization', asAdmin);
      expect(debug.text).to.not.contain('hunter2');
      expect(debug.text).to.contain('Writing 2 secret(s) to /secrets.yml');
      const task = await h.tasks.get(yml.task_id);
      expect(JSON.stringify(task!.params)).to.not.contain('hunter2');
    });

    it('redacts a secret with " and \\ in its JSON-escaped form, and a 3-character secret where it stands as a word', async () => {
      await new SecretStore(h.db.knex, secretsKey).set('/app/creds', 'json', { password: 'pa"ss\\word-1', pin: 'k3y' });
      const script = 'cat /secrets.json; cat /secrets.json >&2; echo "pin is k3y; k3yboard stays"';
      const job = await run({
        secret_refs: ['PASSWORD@app/creds.password', 'PIN@app/creds.pin'],
        secret_file_type: 'json',
        run: ['sh', '-c', script],
      });
      expect(job.status).to.equal('success');
      expect(JSON.parse(job.output.split('pin is')[0])).to.deep.equal({ PASSWORD: '[redacted]', PIN: '[redacted]' });
      expect(job.output).to.contain('pin is [redacted]; k3yboard stays');
      const debug = (await h.api.get(`/tasks/${job.task_id}/output?type=debug`).set('Authorization', asAdmin)).text;
      for (const [where, text] of Object.entries({ stdout: job.output, stderr: job.stderr, debug })) {
        expect(text, where).to.contain('[redacted]');
        expect(text, where).not.to.contain('ss\\').and.not.to.contain('"k3y"').and.not.to.contain('is k3y');
      }
      const yml = await run({
        secret_refs: ['PASSWORD@app/creds.password', 'PIN@app/creds.pin'],
        run: ['sh', '-c', 'cat /secrets.yml'],
      });
      expect(yml.output).to.equal('PASSWORD: [redacted]\nPIN: [redacted]\n');
    });

    it('fails a job whose secret is missing, unless cont_on_warnings', async () => {
      const failed = await run({ secret_refs: ['X@nope/none.key'], run: ['true'] });
      expect(failed.status).to.equal('failed');
      const task = (await h.tasks.get(failed.task_id))!;
      expect(task.result).to.match(/^Secrets not resolved: X@nope\/none\.key: no secret named \/nope\/none/);
      const cont = await run({ secret_refs: ['X@nope/none.key'], cont_on_warnings: true, run: ['true'] });
      expect(cont.status).to.equal('success');
      const events = await h.api.get(`/tasks/${cont.task_id}/output?type=event`).set('Authorization', asAdmin);
      expect(events.text).to.contain('"type":"warning"');
    });

    it('pulls from no registry by default: Always is refused with a 400, a missing IfNotPresent image fails the job, the engine is never asked', async () => {
      pulls.length = 0;
      for (const image of ['bosun-test/not-in-any-registry:1', 'registry.example.com/x:1', 'localhost:5000/x']) {
        const refused = await submit({ image_pull_policy: 'Always', container_image: image, run: ['true'] });
        expect(refused.status, image).to.equal(400);
        expect(refused.body.status).to.equal('Invalid job request.');
        expect(refused.body.error).to.contain('image_pull_policy Always would pull').and.contain('is not allowed');
      }
      const hub = await submit({ image_pull_policy: 'Always', container_image: 'bosun-test/not-in-any-registry:1' });
      expect(hub.body.error).to.contain('registry docker.io is not allowed');
      // IfNotPresent: whether the engine has the image is the engine's to say; a missing one is not pulled.
      const missing = await run({
        image_pull_policy: 'IfNotPresent',
        container_image: 'registry.example.com/not-here:2',
        run: ['true'],
      });
      expect(missing.status).to.equal('failed');
      expect((await h.tasks.get(missing.task_id))!.result).to.match(
        /^Image registry\.example\.com\/not-here:2 cannot be pulled: registry registry\.example\.com is not allowed/,
      );
      const local = await run({ image_pull_policy: 'IfNotPresent', run: ['true'] });
      expect(local.status).to.equal('success');
      expect(pulls).to.deep.equal([]);
      expect(await h.tasks.list({})).to.have.length(2);
    });

    it('runs the job container within the default limits, or its own resources, and refuses resources above the maxima with a 400', async () => {
      const job = (
        await submit({
          container_image: TEST_IMAGE,
          run: ['sleep', '30'],
          resources: { memory: '256m', pids: 100, cpus: 0.5 },
        }).expect(302)
      ).body;
      let containerId = '';
      while (!containerId) {
        containerId = (await h.api.get(`/v1/api/job/${job._id}`).set('Authorization', asAdmin)).body.container_id;
        await new Promise((r) => setTimeout(r, 50));
      }
      const own = (await docker.getContainer(containerId).inspect()).HostConfig;
      await h.api.post(`/v1/api/job/kill/${job._id}`).set('Authorization', asAdmin).expect(200);
      expect(own).to.deep.include({
        Memory: 256 * 1024 ** 2,
        PidsLimit: 100,
        NanoCpus: 500_000_000,
        SecurityOpt: ['no-new-privileges'],
      });
      expect(own.CapDrop).to.include.members(['NET_RAW', 'MKNOD']);
      await waitForTask(h.tasks, job.task_id, undefined, 60_000);

      const plain = (await submit({ container_image: TEST_IMAGE, run: ['sleep', '30'] }).expect(302)).body;
      containerId = '';
      while (!containerId) {
        containerId = (await h.api.get(`/v1/api/job/${plain._id}`).set('Authorization', asAdmin)).body.container_id;
        await new Promise((r) => setTimeout(r, 50));
      }
      const defaults = (await docker.getContainer(containerId).inspect()).HostConfig;
      await h.api.post(`/v1/api/job/kill/${plain._id}`).set('Authorization', asAdmin).expect(200);
      expect(defaults).to.deep.include({
        Memory: 1024 ** 3,
        PidsLimit: 1024,
        NanoCpus: 1_000_000_000,
        SecurityOpt: ['no-new-privileges'],
      });
      await waitForTask(h.tasks, plain.task_id, undefined, 60_000);

      const before = (await h.tasks.list({})).length;
      for (const resources of [{ memory: '5g' }, { pids: 5000 }, { cpus: 3 }, { memory: '8g', cpus: 64 }]) {
        const res = await submit({ container_image: TEST_IMAGE, run: ['true'], resources });
        expect(res.status, JSON.stringify(resources)).to.equal(400);
        expect(res.body.status).to.equal('Invalid job request.');
        expect(res.body.error).to.match(/^resources\.\w+: .* is above the maximum of/);
      }
      expect(await h.tasks.list({})).to.have.length(before);
    });

    it('a fork bomb under a pids limit fails the job instead of taking the host', async () => {
      const bomb = 'n=0; while [ $n -lt 500 ]; do sleep 30 & n=$((n+1)); done; echo "started $n"';
      const job = await run({ run: ['sh', '-c', bomb], resources: { pids: 50 } });
      expect(job.status).to.equal('failed');
      expect(job.return_code).to.not.equal(0);
      expect(job.output).to.not.contain('started 500');
      expect(job.stderr).to.contain("can't fork");
      expect(await containersOfTask(job.task_id)).to.have.length(0);
    });

    it('lists jobs newest first with skip, limit and total, and deletes finished ones but not running ones', async () => {
      const a = await run({ run: ['true'] });
      const b = await run({ run: ['true'] });
      const list = await h.api.get('/v1/api/job?skip=0&limit=1').set('Authorization', asReader).expect(200);
      expect(list.body).to.include({ skip: 0, limit: 1, total: 2 });
      expect(list.body.data.map((j: { _id: string }) => j._id)).to.deep.equal([b._id]);
      const running = (await submit({ container_image: TEST_IMAGE, run: ['sleep', '30'] }).expect(302)).body;
      await waitForTask(h.tasks, running.task_id, (t) => t.state === 'processing');
      const refused = await h.api.delete(`/v1/api/job/${running._id}`).set('Authorization', asAdmin).expect(400);
      expect(refused.body).to.deep.equal({
        status: 'Cannot delete job.',
        error: 'Cannot delete a running/stopping job',
      });
      await h.api.delete(`/v1/api/job/${a._id}`).set('Authorization', asAdmin).expect(200);
      await h.api.get(`/v1/api/job/${a._id}`).set('Authorization', asAdmin).expect(404);
      expect(await h.tasks.get(a.task_id)).to.equal(null);
      await h.api.post(`/v1/api/job/kill/${running._id}`).set('Authorization', asAdmin).expect(200);
      await waitForTask(h.tasks, running.task_id, undefined, 60_000);
    });

    it('removes, on start, containers of its own tasks that are no longer running', async () => {
      const task = await h.tasks.enqueue({ type: 'not_a_job', description: 'orphan' });
      const c = await docker.createContainer({
        Image: TEST_IMAGE,
        Cmd: ['sleep', '60'],
        Labels: { 'bosun.managed': 'true', 'bosun.task-id': String(task.id), 'bosun.node-id': 'node-a' },
        HostConfig: { NetworkMode: 'none' },
      });
      const other = await docker.createContainer({
        Image: TEST_IMAGE,
        Cmd: ['sleep', '60'],
        Labels: { 'bosun.managed': 'true', 'bosun.task-id': String(task.id), 'bosun.node-id': 'another-node' },
        HostConfig: { NetworkMode: 'none' },
      });
      try {
        await h.families[0].start!();
        expect((await c.inspect().catch((e) => e)).statusCode).to.equal(404);
        expect((await other.inspect()).Id).to.equal(other.id);
      } finally {
        await other.remove({ force: true });
      }
    });

    it('writes a large output with memory bounded whatever its size', async function () {
      if (h.backend !== 'postgres') this.skip();
      this.timeout(300_000);
      const before = process.memoryUsage().rss;
      let peak = before;
      const sampler = setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss)), 50);
      const job = await run({
        run: [
          'sh',
          '-c',
          'yes 0123456789abcdefghijklmnopqrstuvwxyz0123456789abcdefghijklmnopqrstuvwxyz | head -c 209715200',
        ],
      }).finally(() => clearInterval(sampler));
      expect(job.status).to.equal('success');
      expect(job.output_truncated).to.equal(true);
      expect(Buffer.byteLength(job.output)).to.equal(1024 * 1024);
      expect(await h.tasks.logSize(job.task_id, 'stdout')).to.equal(209715200);
      expect(peak - before, `rss grew by ${Math.round((peak - before) / 1e6)} MB`).to.be.below(150 * 1024 * 1024);
    });
  },
  {
    withFamilies: (h: Harness) => [
      containerJobsFamily(
        familyDeps(h, {
          docker: watchedDocker,
          secrets: new SecretStore(h.db.knex, secretsKey),
          config: withStopGrace(2),
        }),
      ),
    ],
  },
);
