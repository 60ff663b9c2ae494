import crypto from 'node:crypto';
import { expect } from 'chai';
import { Config, loadConfig } from '../../src/config/load-config';
import { LABELS } from '../../src/docker/labels';
import type { Family } from '../../src/families/family';
import { directorFamily } from '../../src/families/director/family';
import { ResurrectionsRepo } from '../../src/families/director/resurrection/resurrections-repo';
import { SecretStore } from '../../src/secrets/secret-store';
import { asAdmin, asReader } from '../support/auth';
import { execInContainer } from '../../src/docker/exec-in-container';
import type { Task } from '../../src/tasks/task';
import { buildStemcell, webManifest, webRelease } from '../support/bosh-fixtures';
import { docker, familyDeps } from '../support/docker';
import { describeOnBothBackends, Harness } from '../support/harness';
import { readLog, startRunner, stopRunners, waitForTask } from '../support/runners';

const secretsKey = crypto.createHash('sha256').update('bosun director specs').digest();
const deployment = 'cck-web';

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- answers as the specs read them
type Line = Record<string, any>;

const ndjson = (text: string): Line[] =>
  text
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l));

/** The requests these specs send as the BOSH CLI would, each task followed to its end. */
function directorClient(h: Harness) {
  const c = {
    async finish(res: { status: number; headers: Record<string, string>; text: string }): Promise<Task> {
      expect(res.status, res.text).to.equal(302);
      const id = Number(/^\/tasks\/(\d+)$/.exec(res.headers.location)![1]);
      return waitForTask(h.tasks, id, undefined, 120_000);
    },
    upload: (path: string, body: Buffer) =>
      h.api.post(path).set('Authorization', asAdmin).set('Content-Type', 'application/x-compressed').send(body),
    async deployed(manifest: string): Promise<Task> {
      return c.finish(
        await h.api.post('/deployments').set('Authorization', asAdmin).set('Content-Type', 'text/yaml').send(manifest),
      );
    },
    events: async (t: Task) => ndjson(await readLog(h.tasks, t.id, 'event')),
    async serve(containerId: string): Promise<string> {
      const out = await execInContainer(docker.getContainer(containerId), ['wget', '-qO-', 'http://127.0.0.1:8080/']);
      return out.stdout.trim();
    },
    async vms(name: string): Promise<Line[]> {
      const t = await c.finish(await h.api.get(`/deployments/${name}/vms?format=full`).set('Authorization', asAdmin));
      expect(t.state).to.equal('done');
      return ndjson(await readLog(h.tasks, t.id, 'result'));
    },
    async uploadBasics() {
      expect((await c.finish(await c.upload('/stemcells', await buildStemcell()))).state).to.equal('done');
      expect((await c.finish(await c.upload('/releases', (await webRelease('1')).tarball))).state).to.equal('done');
    },
  };
  return c;
}

/** Polls `probe` every 200 ms until it returns a value, for at most `timeoutMs`. */
async function eventually<T>(what: string, probe: () => Promise<T | null | undefined | false>, timeoutMs = 90_000) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await probe();
    if (v) return v;
    if (Date.now() > deadline) throw new Error(`still waiting for ${what} after ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

/** The Director family as the daemon builds it, its resurrector sweeping every second. */
function cloudCheckFamily(h: Harness, resurrection: Partial<Config['resurrection']> = {}): Family {
  const base = loadConfig({ env: { BOSUN_NODE_ID: 'node-a' } });
  const config = { ...base, resurrection: { ...base.resurrection, sweep_seconds: 1, ...resurrection } };
  return directorFamily(familyDeps(h, { docker, config, secrets: new SecretStore(h.db.knex, secretsKey) }));
}

function useRunnerAndCleanUp(h: Harness, started: Family[]) {
  beforeEach(async () =>
    startRunner(
      h.db,
      h.families.flatMap((f) => f.operations),
      { workers: 4, timeoutSeconds: 60 },
    ),
  );
  afterEach(async () => {
    for (const f of started.splice(0)) await f.stop?.();
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
  'Cloud check and resurrection on Docker',
  (h) => {
    const c = directorClient(h);
    const started: Family[] = [];
    useRunnerAndCleanUp(h, started);

    const deployed = async (instances = 2) => {
      await c.uploadBasics();
      const t = await c.deployed(webManifest({ name: deployment, instances }));
      expect(t.state, t.result ?? '').to.equal('done');
    };
    const instanceRows = async () => (await h.db.knex('instances').where({ deployment }).orderBy('idx')) as Line[];
    const problems = async () =>
      (await h.api.get(`/deployments/${deployment}/problems`).set('Authorization', asReader).expect(200))
        .body as Line[];
    const scan = async () => {
      const t = await c.finish(await h.api.post(`/deployments/${deployment}/scans`).set('Authorization', asAdmin));
      expect(t.state, t.result ?? '').to.equal('done');
      return t;
    };
    const resolve = (resolutions: Record<string, string | null>) =>
      h.api
        .put(`/deployments/${deployment}/problems`)
        .set('Authorization', asAdmin)
        .send({ resolutions, max_in_flight_overrides: {} });
    const isRunning = async (id: string) =>
      docker
        .getContainer(id)
        .inspect()
        .then(
          (i) => i.State.Running,
          () => false,
        );

    it('a removed container is a missing VM, a stopped one an unresponsive agent; recreate_vm and reboot_vm repair them', async function () {
      this.timeout(300_000);
      await deployed(2);
      const [web0, web1] = await instanceRows();
      await docker.getContainer(web0.container_id).remove({ force: true });
      await docker.getContainer(web1.container_id).stop({ t: 0 });

      const t = await scan();
      expect(t.type).to.equal('cck_scan');
      expect(t.description).to.equal('scan cloud');
      expect(t.result).to.equal('scan complete');
      const steps = (await c.events(t)).filter((e) => e.state === 'finished').map((e) => `${e.stage}: ${e.task}`);
      expect(steps).to.deep.equal([
        'Scanning 2 VMs: Checking VM states',
        'Scanning 2 VMs: 0 OK, 1 unresponsive, 1 missing, 0 unbound',
        'Scanning 0 persistent disks: Looking for inactive disks',
        'Scanning 0 persistent disks: 0 OK, 0 missing, 0 inactive, 0 mount-info mismatch',
      ]);

      const found = await problems();
      expect(found.map((p) => p.type)).to.have.members(['missing_vm', 'unresponsive_agent']);
      const missing = found.find((p) => p.type === 'missing_vm')!;
      const unresponsive = found.find((p) => p.type === 'unresponsive_agent')!;
      expect(missing).to.include({
        instance_group: 'web',
        description: `VM for 'web/${web0.id} (0)' with cloud ID '${String(web0.container_id).slice(0, 12)}' missing.`,
      });
      expect(missing.data).to.deep.equal({});
      expect(missing.resolutions.map((r: Line) => r.name)).to.deep.equal([
        'ignore',
        'recreate_vm_without_wait',
        'recreate_vm',
        'delete_vm_reference',
      ]);
      expect(unresponsive.description).to.equal(
        `VM for 'web/${web1.id} (1)' with cloud ID '${String(web1.container_id).slice(0, 12)}' is not responding.`,
      );
      expect(unresponsive.resolutions.map((r: Line) => r.name)).to.deep.equal([
        'ignore',
        'reboot_vm',
        'recreate_vm_without_wait',
        'recreate_vm',
        'delete_vm',
        'delete_vm_reference',
      ]);
      expect(unresponsive.resolutions[1].plan).to.equal('Reboot VM');

      const apply = await c.finish(await resolve({ [missing.id]: 'recreate_vm', [unresponsive.id]: 'reboot_vm' }));
      expect(apply.state, apply.result ?? '').to.equal('done');
      expect(apply).to.include({ type: 'cck_apply', description: 'apply resolutions', result: '2 resolved' });
      const applied = (await c.events(apply)).filter((e) => e.state === 'finished').map((e) => e.task);
      expect(applied).to.include(
        `${missing.description} (missing_vm ${web0.id}): Recreate VM and wait for processes to start`,
      );

      const [after0, after1] = await instanceRows();
      expect(after0.container_id).to.not.equal(web0.container_id);
      expect(after1.container_id).to.equal(web1.container_id);
      expect(await c.serve(after0.container_id)).to.match(/hello/);
      expect(await isRunning(after1.container_id)).to.equal(true);
      expect((await c.vms(deployment)).map((v) => v.job_state)).to.deep.equal(['running', 'running']);
      await scan();
      expect(await problems()).to.deep.equal([]);
      const events = (await h.api.get(`/events?deployment=${deployment}`).set('Authorization', asAdmin).expect(200))
        .body as Line[];
      expect(events.find((e) => e.action === 'recreate' && e.instance === `web/${web0.id}`)).to.include({
        user: 'admin',
        task: String(apply.id),
      });
    });

    it('--auto resolves each problem its own way; delete_vm_reference forgets the VM; an unknown resolution fails with the Director message', async function () {
      this.timeout(300_000);
      await deployed(2);
      const [web0, web1] = await instanceRows();
      await docker.getContainer(web0.container_id).remove({ force: true });
      await docker.getContainer(web1.container_id).kill();
      await scan();
      const found = await problems();
      expect(found).to.have.length(2);
      // `bosh cck --auto` sends no resolution: a missing VM is recreated, an unresponsive agent skipped.
      const auto = await c.finish(await resolve(Object.fromEntries(found.map((p) => [String(p.id), null]))));
      expect(auto.state, auto.result ?? '').to.equal('done');
      const [after0, after1] = await instanceRows();
      expect(after0.container_id).to.not.equal(web0.container_id);
      expect(await isRunning(after0.container_id)).to.equal(true);
      expect(after1.container_id).to.equal(web1.container_id);
      expect(await isRunning(web1.container_id)).to.equal(false);

      await scan();
      const [again] = await problems();
      expect(again.type).to.equal('unresponsive_agent');
      const wrong = await c.finish(await resolve({ [again.id]: 'reboot_everything' }));
      expect(wrong.state).to.equal('error');
      expect(wrong.result).to.equal(
        `Error resolving problem '${again.id}': Cannot find 'reboot_everything' resolution for 'Bosh::Director::ProblemHandlers::UnresponsiveAgent'`,
      );
      // A resolved (or closed) problem is only reported when it is resolved again.
      await scan();
      const [last] = await problems();
      const forget = await c.finish(await resolve({ [last.id]: 'delete_vm_reference' }));
      expect(forget.state, forget.result ?? '').to.equal('done');
      expect((await instanceRows())[1].container_id).to.equal(null);
      const replay = await c.finish(await resolve({ [last.id]: 'ignore' }));
      expect((await c.events(replay)).map((e) => e.task)).to.include(
        `Ignoring problem ${last.id} (state is 'resolved')`,
      );
      await scan();
      expect((await problems()).map((p) => p.type)).to.deep.equal(['missing_vm']);
    });

    it('refuses bad cloud-check requests with 4xx in the Director shape; a stopped or ignored instance is no problem', async function () {
      this.timeout(300_000);
      for (const body of [{ resolutions: [1] }, { resolutions: 'x' }, {}, { resolutions: { 1: 5 } }]) {
        const res = await h.api.put('/deployments/nope/problems').set('Authorization', asAdmin).send(body);
        expect(res.status, JSON.stringify(body)).to.be.oneOf([400, 404]);
      }
      expect(
        (await h.api.post('/deployments/nope/scans').set('Authorization', asAdmin).expect(404)).body,
      ).to.deep.equal({ code: 70000, description: "Deployment 'nope' doesn't exist" });
      await h.api.post(`/deployments/nope/scans`).set('Authorization', asReader).expect(401);
      await deployed(2);
      const bad = await resolve({ 1: 5 } as never).expect(400);
      expect(bad.body.code).to.equal(410003);
      expect((await resolve([] as never).expect(400)).body.description).to.equal(
        'Invalid format for resolutions, Hash expected, Array is given',
      );
      const none = await h.api.put(`/deployments/${deployment}/problems`).set('Authorization', asAdmin).send({});
      expect(none.status).to.equal(400);
      expect(none.body.description).to.equal('Invalid format for resolutions, Hash expected, NilClass is given');
      await h.api
        .put(`/deployments/${deployment}/instance_groups/web/7/ignore`)
        .set('Authorization', asAdmin)
        .send({ ignore: true })
        .expect(404);
      await h.api
        .put(`/deployments/${deployment}/instance_groups/web/0/ignore`)
        .set('Authorization', asAdmin)
        .send({ ignore: 'yes' })
        .expect(400);
      await h.api.put('/resurrection').set('Authorization', asAdmin).send({ resurrection_paused: 'no' }).expect(400);

      const [, web1] = await instanceRows();
      const stop = await c.finish(
        await h.api.put(`/deployments/${deployment}/jobs/web/1?state=stopped`).set('Authorization', asAdmin),
      );
      expect(stop.state).to.equal('done');
      await h.api
        .put(`/deployments/${deployment}/instance_groups/web/0/ignore`)
        .set('Authorization', asAdmin)
        .send({ ignore: true })
        .expect(200);
      const [web0] = await instanceRows();
      await docker.getContainer(web0.container_id).remove({ force: true });
      const t = await scan();
      expect((await c.events(t)).map((e) => e.task)).to.include(
        '1 OK, 0 unresponsive, 0 missing, 0 unbound, 1 ignored',
      );
      expect(await problems()).to.deep.equal([]);
      expect(await isRunning(web1.container_id)).to.equal(false);
      const vms = await c.vms(deployment);
      expect(vms.map((v) => v.ignore)).to.deep.equal([true, false]);
    });

    it('the resurrector recreates a killed container in a scan-and-fix task, with an event saying why; not what bosun stops itself', async function () {
      this.timeout(300_000);
      await deployed(2);
      // The resurrector of a node of its own (its start and stop are that family's, not the harness's).
      const family = cloudCheckFamily(h);
      await family.start!();
      started.push(family);
      const [web0, web1] = await instanceRows();

      // bosun's own stop and recreate of web/0 stop and remove containers: no repair is queued for them.
      for (const state of ['stopped', 'recreate']) {
        const t = await c.finish(
          await h.api.put(`/deployments/${deployment}/jobs/web/0?state=${state}`).set('Authorization', asAdmin),
        );
        expect(t.state, t.result ?? '').to.equal('done');
      }
      await docker.getContainer(web1.container_id).kill();
      const repaired = await eventually('web/1 recreated', async () => {
        const row = (await instanceRows())[1];
        return row.container_id !== web1.container_id && (await isRunning(row.container_id)) && row;
      });
      expect(await c.serve(repaired.container_id)).to.match(/hello/);
      const fixes = await h.db.knex('tasks').where({ type: 'cck_scan_and_fix' });
      expect(fixes, 'one repair, of web/1 only').to.have.length(1);
      expect(fixes[0]).to.include({ description: 'scan and fix', username: 'hm', deployment_name: deployment });
      const fix = await eventually('the repair task done', async () => {
        const t = await h.tasks.get(fixes[0].id);
        return t?.state === 'done' && t;
      });
      expect(fix.result).to.equal('scan and fix complete');
      const events = (await h.api.get(`/events?deployment=${deployment}`).set('Authorization', asAdmin).expect(200))
        .body as Line[];
      const recreate = events.find((e) => e.action === 'recreate' && e.instance === `web/${web1.id}`)!;
      expect(recreate).to.include({ user: 'hm', task: String(fix.id) });
      expect(recreate.context).to.include({ problem: 'unresponsive_agent', resolution: 'recreate_vm' });
      expect(recreate.context.reason).to.equal(
        `container ${String(web1.container_id).slice(0, 12)} exited with code 137`,
      );
      expect((await instanceRows())[0].state).to.equal('started');
      expect(web0.id).to.be.a('string');
    });

    it('resurrection off (PUT /resurrection) repairs nothing; once back on, the sweep repairs a removed container', async function () {
      this.timeout(300_000);
      await deployed(1);
      expect((await h.api.get('/resurrection').set('Authorization', asReader).expect(200)).body).to.deep.equal({
        resurrection: true,
      });
      await h.api.put('/resurrection').set('Authorization', asAdmin).send({ resurrection_paused: true }).expect(200);
      expect((await h.api.get('/resurrection').set('Authorization', asReader)).body).to.deep.equal({
        resurrection: false,
      });
      // The resurrector of a node of its own (its start and stop are that family's, not the harness's).
      const family = cloudCheckFamily(h);
      await family.start!();
      started.push(family);
      const [web0] = await instanceRows();
      await docker.getContainer(web0.container_id).remove({ force: true });
      // Several sweeps (one a second) see the missing container while resurrection is off.
      await new Promise((r) => setTimeout(r, 3000));
      expect(await h.db.knex('tasks').where({ type: 'cck_scan_and_fix' })).to.have.length(0);
      await h.api.put('/resurrection').set('Authorization', asAdmin).send({ resurrection_paused: false }).expect(200);
      await eventually('web/0 recreated', async () => {
        const row = (await instanceRows())[0];
        return row.container_id !== web0.container_id && (await isRunning(row.container_id));
      });
      const fixes = await h.db.knex('tasks').where({ type: 'cck_scan_and_fix' });
      expect(fixes).to.have.length(1);
      const fix = await eventually('the repair task done', async () => {
        const t = await h.tasks.get(Number(fixes[0].id));
        return t?.state === 'done' && t;
      });
      const events = (await h.api.get(`/events?deployment=${deployment}`).set('Authorization', asAdmin)).body as Line[];
      expect(events.find((e) => e.action === 'recreate' && e.task === String(fix.id))!.context).to.include({
        problem: 'missing_vm',
        reason: `container ${String(web0.container_id).slice(0, 12)} is missing`,
      });
    });

    it('an instance repaired too often within the window waits: the postponement is an event, and no repair is queued', async function () {
      this.timeout(300_000);
      await deployed(1);
      const family = cloudCheckFamily(h, { backoff_after: 1, backoff_base_seconds: 3600, backoff_max_seconds: 3600 });
      await family.start!();
      started.push(family);
      const [web0] = await instanceRows();
      await docker.getContainer(web0.container_id).kill();
      const first = await eventually('the first repair done', async () => {
        const [t] = await h.db.knex('tasks').where({ type: 'cck_scan_and_fix', state: 'done' });
        return t as Line | undefined;
      });
      const [repaired] = await instanceRows();
      expect(repaired.container_id).to.not.equal(web0.container_id);
      await docker.getContainer(repaired.container_id).kill();
      const postponed = await eventually('the postponement event', async () => {
        const events = (await h.api.get(`/events?deployment=${deployment}`).set('Authorization', asAdmin))
          .body as Line[];
        return events.find((e) => e.action === 'resurrect');
      });
      expect(postponed).to.include({ user: 'hm', object_type: 'instance', instance: `web/${web0.id}` });
      expect(postponed.error).to.match(
        new RegExp(
          `^Resurrection of 'web/${web0.id} \\(0\\)' postponed: repaired 1 times in the last 600 s; next attempt in \\d+ s$`,
        ),
      );
      expect(postponed.context).to.include({ repairs: 1, backoff_seconds: 3600 });
      const fixes = await h.db.knex('tasks').where({ type: 'cck_scan_and_fix' });
      expect(fixes.map((t: Line) => t.id)).to.deep.equal([first.id]);
    });
  },
  { withFamilies: (h) => [cloudCheckFamily(h)] },
);

describeOnBothBackends('Resurrection claims', (h) => {
  it('of two nodes claiming the same container death at once, exactly one queues the repair', async function () {
    const repo = new ResurrectionsRepo(h.db.knex);
    await h.db.knex('deployments').insert({ name: deployment });
    const id = crypto.randomUUID();
    await h.db.knex('instances').insert({ id, deployment, instance_group: 'web', idx: 0 });
    const claimOnce = (node: string) =>
      h.tasks
        .enqueue(
          { type: 'cck_scan_and_fix', description: 'scan and fix', deploymentName: deployment, params: {} },
          async (trx, task) => {
            const ok = await repo.claim(
              trx,
              { instanceId: id, containerId: 'c1', deployment, nodeId: node, reason: 'test' },
              task.id,
            );
            if (!ok) throw new Error('claim taken');
          },
        )
        .then(
          () => node,
          () => null,
        );
    const winners = (await Promise.all([claimOnce('node-a'), claimOnce('node-b'), claimOnce('node-c')])).filter(
      Boolean,
    );
    expect(winners).to.have.length(1);
    expect(await h.db.knex('tasks').where({ type: 'cck_scan_and_fix' })).to.have.length(1);
    // Its repair still queued, a later death of the same container is not claimed again either.
    expect(await claimOnce('node-b')).to.equal(null);
    await h.db.knex('tasks').update({ state: 'done' });
    expect(await claimOnce('node-b'), 'a retry once the first repair ended').to.equal('node-b');
    const rows = await h.db.knex('resurrections').orderBy('attempt');
    expect(rows.map((r) => r.attempt)).to.deep.equal([1, 2]);
    expect((await repo.recent(id, 600)).count).to.equal(2);
  });
});
