import { execFile, execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { expect } from 'chai';
import YAML from 'yaml';
import { LABELS } from '../../src/docker/labels';
import { buildRelease, buildStemcell, webManifest, webReleaseOptions } from '../support/bosh-fixtures';
import { DaemonProcess, spawnDaemon } from '../support/daemon-process';
import { docker } from '../support/docker';

/**
 * The everyday workflow through the real BOSH CLI v7 binary, as its users run it. bosun ships no CLI:
 * the spec runs where one is installed (`BOSUN_BOSH_CLI`, else `bosh` on the PATH, reporting version 7)
 * and skips elsewhere, saying so. bosh-cli-flows.spec.ts checks the same flows on the wire everywhere.
 */
const cliPath = findBoshCli();

interface CliTable {
  Tables: Array<{ Rows: Array<Record<string, string>> }>;
  Lines: string[];
}

describe('the real BOSH CLI v7 against the bosun process', function () {
  this.timeout(300_000);
  let dataDir: string;
  let daemon: DaemonProcess;
  const deployment = 'real-cli';

  before(async function () {
    if (!cliPath) {
      console.log('      (skipped: no BOSH CLI v7 here; set BOSUN_BOSH_CLI to a bosh binary to run these)');
      this.skip();
    }
    dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'bosun-real-cli-'));
    daemon = await spawnDaemon({
      BOSUN_DATA_DIR: dataDir,
      BOSUN_ADMIN_PASSWORD: 'cli-secret',
      BOSUN_WORKERS: '3',
      BOSUN_NODE_ID: 'real-cli-node',
    });
    fs.writeFileSync(path.join(dataDir, 'stemcell.tgz'), await buildStemcell());
    fs.writeFileSync(path.join(dataDir, 'release.tgz'), (await buildRelease(webReleaseOptions('1'))).tarball);
    fs.writeFileSync(path.join(dataDir, 'manifest.yml'), webManifest({ name: deployment, instances: 2 }));
  });

  after(async () => {
    if (daemon) {
      daemon.child.kill('SIGTERM');
      await daemon.exited;
    }
    if (!dataDir) return;
    for (const c of await docker.listContainers({
      all: true,
      filters: { label: [`${LABELS.deployment}=${deployment}`] },
    })) {
      await docker.getContainer(c.Id).remove({ force: true });
    }
    fs.rmSync(dataDir, { recursive: true, force: true });
  });

  const bosh = (...args: string[]) => run(cliPath!, args, dataDir, daemon.port);
  const table = async (...args: string[]) => JSON.parse((await bosh('--json', ...args)).stdout) as CliTable;

  it('bosh env names the Director, its CPI and the logged-in user', async () => {
    const env = await table('env');
    expect(env.Tables[0].Rows[0]).to.include({ name: 'bosun', cpi: 'docker', user: 'admin' });
  });

  it('bosh upload-stemcell, upload-release, then stemcells and releases list them', async () => {
    await bosh('-n', 'upload-stemcell', path.join(dataDir, 'stemcell.tgz'));
    await bosh('-n', 'upload-release', path.join(dataDir, 'release.tgz'));
    expect((await table('stemcells')).Tables[0].Rows.map((r) => `${r.name}/${r.version}`)).to.deep.equal([
      'bosh-docker-busybox/1.0',
    ]);
    expect((await table('releases')).Tables[0].Rows.map((r) => `${r.name}/${r.version}`)).to.deep.equal([
      'web-release/1',
    ]);
  });

  it('bosh deploy, then instances --ps shows every instance running', async () => {
    const deploy = await bosh('-n', '-d', deployment, 'deploy', path.join(dataDir, 'manifest.yml'));
    expect(deploy.stdout).to.match(/Updating instance web: web\/[0-9a-f-]+ \(0\) \(canary\)/);
    const instances = (await table('-d', deployment, 'instances')).Tables[0].Rows;
    expect(instances.map((r) => r.process_state)).to.deep.equal(['running', 'running']);
  });

  it('bosh run-errand prints the errand output; recreate and restart an instance', async () => {
    const errand = await bosh('-n', '-d', deployment, 'run-errand', 'smoke-tests');
    expect(errand.stdout).to.contain('hello from a package');
    await bosh('-n', '-d', deployment, 'recreate', 'web/0');
    await bosh('-n', '-d', deployment, 'restart', 'web');
    const vms = (await table('-d', deployment, 'vms')).Tables[0].Rows;
    expect(vms.map((r) => r.process_state)).to.deep.equal(['running', 'running']);
  });

  it('bosh tasks --recent, task N, task N --debug, events, locks', async () => {
    const recent = (await table('tasks', '--recent')).Tables[0].Rows;
    expect(recent.map((r) => r.description)).to.include.members([
      'create deployment',
      'create stemcell',
      'create release',
    ]);
    const deploy = recent.find((r) => r.description === 'create deployment')!;
    // Without a terminal the CLI prints the event lines alone; --tty adds its start, finish and state lines.
    const shown = (await bosh('--tty', 'task', deploy.id)).stdout;
    expect(shown).to.match(/Updating instance web: web\/[0-9a-f-]+ \(1\)/);
    expect(shown).to.match(new RegExp(`Task ${deploy.id} Duration \\d\\d:\\d\\d:\\d\\d\\s+Task ${deploy.id} done`));
    expect((await bosh('task', deploy.id, '--debug')).stdout).to.contain('TaskHelper: Enqueuing task');
    expect((await table('events', '-d', deployment)).Tables[0].Rows.length).to.be.greaterThan(5);
    expect((await table('locks')).Tables[0].Rows).to.deep.equal([]);
  });

  it('a failing deploy fails the CLI with the Director error', async () => {
    fs.writeFileSync(
      path.join(dataDir, 'bad.yml'),
      webManifest({ name: deployment }).replace(/web-release/g, 'missing-release'),
    );
    const failed = await bosh('-n', '-d', deployment, 'deploy', path.join(dataDir, 'bad.yml')).then(
      () => null,
      (err: CliError) => err,
    );
    expect(failed, 'the deploy should fail').to.not.equal(null);
    expect(failed!.stdout).to.contain("Release 'missing-release' doesn't exist");
  });

  it('bosh update-cloud-config, cloud-config, update-runtime-config, runtime-config, configs, update-config, config, delete-config', async () => {
    const write = (name: string, text: string) => {
      fs.writeFileSync(path.join(dataDir, name), text);
      return path.join(dataDir, name);
    };
    const cloud = write('cloud.yml', realCliCloudConfig(512));
    // The CLI prints a config's diff only to a terminal (--tty).
    const shownDiff = await bosh('--tty', '-n', 'update-cloud-config', cloud);
    expect(shownDiff.stdout).to.match(/\+ vm_types:/);
    expect((await bosh('cloud-config')).stdout).to.contain('memory: 512');
    // The same content again: nothing to show, no new version.
    await bosh('-n', 'update-cloud-config', cloud);
    await bosh('-n', 'update-cloud-config', '--name', 'extra', write('extra.yml', 'azs: [{name: z2}]\n'));
    await bosh('-n', 'update-runtime-config', write('runtime.yml', 'tags: {team: bosun}\n'));
    expect((await bosh('runtime-config')).stdout).to.contain('team: bosun');
    await bosh('-n', 'update-config', '--type', 'custom', '--name', 'mine', write('custom.yml', 'a: 1\n'));
    const configs = (await table('configs')).Tables[0].Rows;
    expect(configs.map((r) => `${r.type}/${r.name}`)).to.deep.equal([
      'cloud/default',
      'cloud/extra',
      'custom/mine',
      'runtime/default',
    ]);
    const custom = configs.find((r) => r.type === 'custom')!;
    expect((await bosh('config', custom.id.replace(/\*$/, ''))).stdout).to.contain('a: 1');
    expect((await bosh('config', '--type', 'custom', '--name', 'mine')).stdout).to.contain('a: 1');
    await bosh('-n', 'delete-config', '--type', 'custom', '--name', 'mine');
    const gone = await bosh('--tty', '-n', 'delete-config', '--type', 'custom', '--name', 'mine');
    expect(gone.stdout).to.contain("No configs to delete: no matches for type 'custom' and name 'mine' found.");
    await bosh('-n', 'delete-config', '--type', 'cloud', '--name', 'extra');
  });

  it('bosh deploy on the cloud config shows its lines in the diff, and a vm type change in the next one', async () => {
    fs.writeFileSync(path.join(dataDir, 'cc.yml'), realCliManifest(deployment));
    const first = await bosh('--tty', '-n', '-d', deployment, 'deploy', path.join(dataDir, 'cc.yml'));
    expect(first.stdout).to.match(/\+ vm_types:/);
    fs.writeFileSync(path.join(dataDir, 'cloud.yml'), realCliCloudConfig(256));
    await bosh('-n', 'update-cloud-config', path.join(dataDir, 'cloud.yml'));
    const next = await bosh('--tty', '-n', '-d', deployment, 'deploy', path.join(dataDir, 'cc.yml'));
    expect(next.stdout).to.match(/- {1,}memory: 512/);
    expect(next.stdout).to.match(/\+ {1,}memory: 256/);
    expect(next.stdout).to.match(/Updating instance web: web\/[0-9a-f-]+ \(0\) \(canary\)/);
    const [web] = await docker.listContainers({
      filters: { label: [`${LABELS.deployment}=${deployment}`, `${LABELS.index}=0`] },
    });
    expect((await docker.getContainer(web.Id).inspect()).HostConfig.Memory).to.equal(256 * 1024 * 1024);
    // bosh deployments asks with exclude_configs=true: the cloud config state is checked in cloud-config-deploy.spec.ts.
  });

  it('bosh cck --report lists a removed container, cck --auto recreates it; a docker kill is repaired and bosh events says why', async () => {
    const containerOf = async (index: number) => {
      const [c] = await docker.listContainers({
        all: true,
        filters: { label: [`${LABELS.deployment}=${deployment}`, `${LABELS.index}=${index}`] },
      });
      return c;
    };
    // Resurrection off while cck looks: the resurrector would otherwise repair the removed container first.
    await bosh('-n', 'update-resurrection', 'off');
    const removed = await containerOf(0);
    await docker.getContainer(removed.Id).remove({ force: true });
    const report = await bosh('-d', deployment, 'cck', '--report').then(
      () => null,
      (err: CliError) => err,
    );
    expect(report, 'cck --report fails when it finds problems').to.not.equal(null);
    expect(report!.stdout).to.contain('missing_vm');
    expect(report!.stdout).to.match(
      new RegExp(`VM for 'web/[0-9a-f-]+ \\(0\\)' with cloud ID '${removed.Id.slice(0, 12)}' missing\\.`),
    );
    expect(report!.stdout + report!.stderr).to.contain('1 problem(s) found');
    await bosh('-n', '-d', deployment, 'cck', '--auto');
    // No problem left: --report succeeds.
    await bosh('-d', deployment, 'cck', '--report');
    await bosh('-n', 'update-resurrection', 'on');

    const killed = await containerOf(1);
    await docker.getContainer(killed.Id).kill();
    const deadline = Date.now() + 120_000;
    for (;;) {
      const now = await containerOf(1);
      const rows = (await table('-d', deployment, 'events')).Tables[0].Rows;
      const recreate = rows.find((r) => r.action === 'recreate' && r.user === 'hm');
      if (now && now.Id !== killed.Id && now.State === 'running' && recreate) {
        expect(recreate.context).to.contain(`container ${killed.Id.slice(0, 12)} exited with code 137`);
        break;
      }
      if (Date.now() > deadline) throw new Error('the killed container was not repaired within 120 s');
      await new Promise((r) => setTimeout(r, 500));
    }
    const vms = (await table('-d', deployment, 'vms')).Tables[0].Rows;
    expect(vms.map((r) => r.process_state)).to.deep.equal(['running', 'running']);
    await bosh('-n', '-d', deployment, 'ignore', 'web/0');
    await bosh('-n', '-d', deployment, 'unignore', 'web/0');
  });

  it('bosh delete-deployment, then clean-up --dry-run lists what clean-up --all deletes, and Docker has nothing left', async () => {
    await bosh('-n', '-d', deployment, 'delete-deployment');
    expect((await table('deployments')).Tables[0].Rows).to.deep.equal([]);
    expect(
      await docker.listContainers({ all: true, filters: { label: [`${LABELS.deployment}=${deployment}`] } }),
    ).to.deep.equal([]);
    expect((await table('orphaned-vms')).Tables[0].Rows).to.deep.equal([]);
    // Without --all the two newest unused versions stay: nothing to delete.
    const keep = await table('clean-up', '--dry-run');
    expect(keep.Tables.slice(0, 2).map((t) => t.Rows)).to.deep.equal([[], []]);
    const all = await table('clean-up', '--all', '--dry-run');
    expect(all.Tables[0].Rows).to.deep.equal([{ name: 'web-release', version: '1' }]);
    expect(all.Tables[1].Rows).to.deep.equal([{ name: 'bosh-docker-busybox', version: '1.0' }]);
    const out = await bosh('-n', 'clean-up', '--all');
    expect(out.stdout).to.contain('Deleting releases');
    expect(out.stdout).to.contain('Deleting stemcells');
    expect((await table('releases')).Tables[0].Rows).to.deep.equal([]);
    expect((await table('stemcells')).Tables[0].Rows).to.deep.equal([]);
    // Its own stemcell's image: other runs on this engine (the soak's, say) may keep stemcells of their own.
    expect(await docker.listImages({ filters: { reference: ['bosun-stemcell/bosh-docker-busybox*'] } })).to.deep.equal(
      [],
    );
  });
});

/** A cloud config for webManifest's names: az z1, vm type `default` of `memory` MB, network `default`. */
function realCliCloudConfig(memory: number): string {
  return [
    'azs: [{name: z1}]',
    'vm_types:',
    '- name: default',
    '  cloud_properties:',
    `    memory: ${memory}`,
    'networks:',
    '- name: default',
    '  type: manual',
    '  subnets: [{range: 10.244.0.0/24, gateway: 10.244.0.1, azs: [z1]}]',
    'compilation: {workers: 1, network: default, az: z1, vm_type: default}',
    '',
  ].join('\n');
}

/** webManifest with every group (its errand too) on the cloud config's vm type and network. */
function realCliManifest(name: string): string {
  const doc = YAML.parse(webManifest({ name, instances: 2 })) as { instance_groups: Array<Record<string, unknown>> };
  for (const g of doc.instance_groups) Object.assign(g, { vm_type: 'default', networks: [{ name: 'default' }] });
  return YAML.stringify(doc);
}

class CliError extends Error {
  constructor(
    message: string,
    readonly stdout: string,
    readonly stderr: string,
  ) {
    super(message);
  }
}

function run(cli: string, args: string[], dataDir: string, port: number): Promise<{ stdout: string; stderr: string }> {
  const env = {
    ...process.env,
    BOSH_ENVIRONMENT: `https://127.0.0.1:${port}`,
    BOSH_CA_CERT: path.join(dataDir, 'tls', 'ca.pem'),
    BOSH_CLIENT: 'admin',
    BOSH_CLIENT_SECRET: 'cli-secret',
    HOME: dataDir,
  };
  return new Promise((resolve, reject) => {
    execFile(cli, args, { env, maxBuffer: 64 * 1024 * 1024, timeout: 240_000 }, (err, stdout, stderr) => {
      if (err)
        reject(new CliError(`bosh ${args.join(' ')} failed (${err.message}):\n${stdout}\n${stderr}`, stdout, stderr));
      else resolve({ stdout, stderr });
    });
  });
}

function findBoshCli(): string | null {
  const candidates = process.env.BOSUN_BOSH_CLI
    ? [process.env.BOSUN_BOSH_CLI]
    : (process.env.PATH ?? '').split(':').map((dir) => path.join(dir, 'bosh'));
  for (const candidate of candidates) {
    try {
      if (/^version 7\./.test(execFileSync(candidate, ['--version'], { encoding: 'utf8', timeout: 10_000 })))
        return candidate;
    } catch {
      // not there, or not a BOSH CLI
    }
  }
  return null;
}
