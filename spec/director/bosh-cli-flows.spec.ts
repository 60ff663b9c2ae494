import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { expect } from 'chai';
import YAML from 'yaml';
import { LABELS } from '../../src/docker/labels';
import { BoshCliLike, ndjsonOf, TaskFailed } from '../support/bosh-cli-client';
import * as types from '../support/bosh-cli-types';
import { buildRelease, buildStemcell, webManifest, webReleaseOptions } from '../support/bosh-fixtures';
import { DaemonProcess, spawnDaemon } from '../support/daemon-process';
import { docker } from '../support/docker';

/**
 * The everyday BOSH CLI workflow against a bosun process (embedded database, HTTPS with its generated
 * CA), request by request as CLI v7.1.0 sends them (cmd/ and director/ of the CLI), every answer
 * decoded with the types the CLI declares.
 */
describe('BOSH CLI flows against the bosun process', function () {
  this.timeout(300_000);
  let dataDir: string;
  let daemon: DaemonProcess;
  let cli: BoshCliLike;
  const deployment = 'cli-web';

  before(async () => {
    dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'bosun-cli-'));
    daemon = await spawnDaemon({
      BOSUN_DATA_DIR: dataDir,
      BOSUN_ADMIN_PASSWORD: 'cli-secret',
      BOSUN_WORKERS: '3',
      BOSUN_NODE_ID: 'cli-node',
    });
    cli = new BoshCliLike(daemon.port, path.join(dataDir, 'tls', 'ca.pem'), { user: 'admin', password: 'cli-secret' });
  });

  after(async () => {
    if (daemon) {
      daemon.child.kill('SIGTERM');
      await daemon.exited;
    }
    for (const c of await docker.listContainers({
      all: true,
      filters: { label: [`${LABELS.deployment}=${deployment}`] },
    })) {
      await docker.getContainer(c.Id).remove({ force: true });
    }
    fs.rmSync(dataDir, { recursive: true, force: true });
  });

  it('bosh env / log-in: anonymous /info, then /info with credentials', async () => {
    const anonymous = await new BoshCliLike(daemon.port, path.join(dataDir, 'tls', 'ca.pem'), null).get(
      '/info',
      types.info,
    );
    expect(anonymous).to.include({ user: null, cpi: 'docker' });
    expect(anonymous.user_authentication.type).to.equal('basic');
    expect((await cli.get('/info', types.info)).user).to.equal('admin');
  });

  it('bosh upload-stemcell: asks whether it is needed, uploads, and then it is not needed', async () => {
    const needed = async () =>
      (
        await cli.request('POST', '/stemcell_uploads', {
          body: JSON.stringify({ stemcell: { name: 'bosh-docker-busybox', version: '1.0' } }),
          contentType: 'application/json',
        })
      ).body.toString();
    expect(JSON.parse(await needed())).to.deep.equal({ needed: true });
    const { events } = await cli.taskResult('POST', '/stemcells?', {
      body: await buildStemcell(),
      contentType: 'application/x-compressed',
    });
    expect(events.filter((e) => e.state === 'finished')).to.have.length(5);
    expect(JSON.parse(await needed())).to.deep.equal({ needed: false });
    const list = await cli.get('/stemcells', types.stemcells);
    expect(list.map((s) => `${s.name}/${s.version}`)).to.deep.equal(['bosh-docker-busybox/1.0']);
  });

  it('bosh upload-release: checks the series, matches packages, uploads without the matched ones', async () => {
    const v1 = await buildRelease(webReleaseOptions('1'));
    expect(await cli.get('/releases', types.releaseSeries)).to.deep.equal([]);
    const matches1 = JSON.parse(
      (
        await cli.request('POST', '/packages/matches', { body: YAML.stringify(v1.manifest), contentType: 'text/yaml' })
      ).body.toString(),
    );
    expect(matches1).to.deep.equal([]);
    await cli.taskResult('POST', '/releases?', { body: v1.tarball, contentType: 'application/x-compressed' });

    const v2 = await buildRelease(webReleaseOptions('1.1'));
    const matches2 = JSON.parse(
      (
        await cli.request('POST', '/packages/matches', { body: YAML.stringify(v2.manifest), contentType: 'text/yaml' })
      ).body.toString(),
    );
    expect(matches2).to.have.length(1);
    const repacked = await buildRelease({ ...webReleaseOptions('1.1'), omitPackages: ['greeting'] });
    await cli.taskResult('POST', '/releases?', { body: repacked.tarball, contentType: 'application/x-compressed' });
    const series = await cli.get('/releases', types.releaseSeries);
    expect(series[0].release_versions.map((v) => v.version)).to.deep.equal(['1', '1.1']);
  });

  it('bosh deploy: deploy configs, diff, confirm, the deploy task, its events rendered, the result', async () => {
    await cli.request('GET', '/configs?latest=true&type=deploy');
    const manifest = webManifest({ name: deployment, instances: 2 });
    const diff = await cli.request('POST', `/deployments/${deployment}/diff?redact=true`, {
      body: manifest,
      contentType: 'text/yaml',
    });
    const parsed = types.diff.parse(JSON.parse(diff.body.toString()));
    const query = `context=${encodeURIComponent(JSON.stringify(parsed.context))}`;
    const { events, result } = await cli.taskResult('POST', `/deployments?${query}`, {
      body: manifest,
      contentType: 'text/yaml',
    });
    expect(result).to.equal('');
    const updating = events.filter((e) => e.stage === 'Updating instance' && e.state === 'finished');
    expect(updating).to.have.length(2);
    expect(updating[0].tags).to.deep.equal(['web']);
    const deps = await cli.get('/deployments?exclude_configs=true', types.deployments);
    expect(deps.map((d) => d.name)).to.deep.equal([deployment]);
  });

  it('bosh vms / instances: deployments, then a vms task per deployment whose result has one VM per line', async () => {
    for (const d of await cli.get('/deployments', types.deployments)) {
      const vms = ndjsonOf(
        types.vmInfo,
        (await cli.taskResult('GET', `/deployments/${d.name}/vms?format=full`)).result,
      );
      expect(vms.map((v) => `${v.job_name}/${v.index} ${v.job_state}`)).to.deep.equal([
        'web/0 running',
        'web/1 running',
      ]);
      const instances = ndjsonOf(
        types.vmInfo,
        (await cli.taskResult('GET', `/deployments/${d.name}/instances?format=full`)).result,
      );
      expect(instances).to.have.length(2);
    }
  });

  it('bosh run-errand, stop, start, recreate', async () => {
    const errand = await cli.taskResult('POST', `/deployments/${deployment}/errands/smoke-tests/runs`, {
      body: JSON.stringify({ 'keep-alive': false, 'when-changed': false, instances: [] }),
      contentType: 'application/json',
    });
    const [run] = ndjsonOf(types.errandRun, errand.result);
    expect(run.exit_code).to.equal(0);
    expect(run.stdout).to.contain('hello from a package');
    for (const state of ['stopped', 'started', 'recreate']) {
      await cli.taskResult('PUT', `/deployments/${deployment}/jobs/web/1?state=${state}`, {
        body: '',
        contentType: 'text/yaml',
      });
    }
    await cli.taskResult('PUT', `/deployments/${deployment}/jobs/*?state=restart`, {
      body: '',
      contentType: 'text/yaml',
    });
    const vms = ndjsonOf(
      types.vmInfo,
      (await cli.taskResult('GET', `/deployments/${deployment}/vms?format=full`)).result,
    );
    expect(vms.map((v) => v.job_state)).to.deep.equal(['running', 'running']);
  });

  it('bosh locks, events, tasks --recent, task N --debug', async () => {
    expect(await cli.get('/locks', types.locks)).to.deep.equal([]);
    const events = await cli.get(`/events?deployment=${deployment}`, types.events);
    expect(events.length).to.be.greaterThan(5);
    const recent = await cli.get('/tasks?limit=30&verbose=1', types.taskHash.array());
    expect(recent.map((t) => t.description)).to.include.members([
      'create deployment',
      'create stemcell',
      'create release',
      `run errand smoke-tests from deployment ${deployment}`,
    ]);
    const deploy = recent.find((t) => t.description === 'create deployment')!;
    const debug = (await cli.request('GET', `/tasks/${deploy.id}/output?type=debug`)).body.toString();
    expect(debug).to.match(/INFO -- TaskHelper: Enqueuing task/);
  });

  it('a failing deploy fails the CLI with the event error line', async () => {
    const bad = webManifest({ name: deployment }).replace(/web-release/g, 'missing-release');
    try {
      await cli.taskResult('POST', '/deployments', { body: bad, contentType: 'text/yaml' });
      expect.fail('the deploy should fail');
    } catch (err) {
      expect(err).to.be.instanceOf(TaskFailed);
      expect((err as TaskFailed).eventError).to.equal("Release 'missing-release' doesn't exist");
    }
  });

  it('bosh delete-deployment, delete-release, delete-stemcell leave nothing behind in Docker', async () => {
    await cli.taskResult('DELETE', `/deployments/${deployment}?`);
    expect(await cli.get('/deployments', types.deployments)).to.deep.equal([]);
    expect(
      await docker.listContainers({ all: true, filters: { label: [`${LABELS.deployment}=${deployment}`] } }),
    ).to.deep.equal([]);
    await cli.taskResult('DELETE', '/releases/web-release?force=false');
    expect(await cli.get('/releases', types.releaseSeries)).to.deep.equal([]);
    const [stemcell] = await cli.get('/stemcells', types.stemcells);
    await cli.taskResult('DELETE', `/stemcells/${stemcell.name}/${stemcell.version}?`);
    expect(await cli.get('/stemcells', types.stemcells)).to.deep.equal([]);
    expect(await docker.listImages({ filters: { reference: [stemcell.cid] } })).to.deep.equal([]);
  });
});
