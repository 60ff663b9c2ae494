import { execFile, execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { expect } from 'chai';
import { DaemonProcess, request, spawnDaemon } from '../support/daemon-process';
import { removeNodes, siteYaml } from './support';

/**
 * Airship Drydock's own CLI (`drydock`, from drydock_provisioner), unmodified, against the bosun
 * process: it signs in through Keystone v3 (keystoneauth1's `v3.Password` on `OS_AUTH_URL`), finds the
 * `physicalprovisioner` endpoint in the catalog and drives `/api/v1.0`. bosun ships no Drydock code:
 * the spec runs where `BOSUN_DRYDOCK_CLI` names a command that runs that CLI (answering `--help` with
 * "Drydock CLI") and skips elsewhere, saying so. The wire specs beside it check the same paths everywhere.
 *
 * Drydock's CLI registers no `design` commands (its client has no call to store a design), so the
 * design is stored over HTTPS; `--block` is not used since the CLI compares the status string with an
 * enum member and never stops polling, against any Drydock.
 */
const cliPath = findDrydockCli();

interface DrydockTask {
  task_id: string;
  action: string;
  status: string;
  result: { status: string; successes: string[]; failures: string[] };
  bosun_task_id: number;
  node_filter: unknown;
  subtask_id_list: string[];
}

describe('the real Drydock CLI against the bosun process', function () {
  this.timeout(300_000);
  let dataDir: string;
  let daemon: DaemonProcess;
  let designRef: string;
  let prepared: DrydockTask;

  before(async function () {
    if (!cliPath) {
      console.log(
        '      (skipped: no Drydock CLI here; set BOSUN_DRYDOCK_CLI to a command running drydock_provisioner.cli to run these)',
      );
      this.skip();
    }
    await removeNodes();
    dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'bosun-real-drydock-'));
    daemon = await spawnDaemon({
      BOSUN_DATA_DIR: dataDir,
      BOSUN_ADMIN_PASSWORD: 'cli-secret',
      BOSUN_WORKERS: '3',
      BOSUN_NODE_ID: 'real-drydock-node',
    });
    const stored = await request(daemon.port, caPath(), 'POST', '/api/v1.0/designs', {
      auth: `Basic ${Buffer.from('admin:cli-secret').toString('base64')}`,
      headers: { 'Content-Type': 'application/x-yaml' },
      body: siteYaml(2),
    });
    expect(stored.status, stored.text).to.equal(201);
    designRef = JSON.parse(stored.text).design_ref;
  });

  after(async () => {
    if (daemon) {
      daemon.child.kill('SIGTERM');
      await daemon.exited;
    }
    if (!dataDir) return;
    await removeNodes();
    fs.rmSync(dataDir, { recursive: true, force: true });
  });

  const caPath = () => path.join(dataDir, 'tls', 'ca.pem');
  const drydock = (args: string[], env: Record<string, string> = {}) =>
    run(cliPath!, args, { ...cliEnv(daemon.port, caPath()), ...env });
  const json = async <T>(...args: string[]) => JSON.parse((await drydock(args)).stdout) as T;

  /** `task show` until the task is complete or terminated (what `--block` means to do). */
  async function settled(taskId: string): Promise<DrydockTask> {
    for (;;) {
      const task = await json<DrydockTask>('task', 'show', '-t', taskId);
      if (task.status === 'complete' || task.status === 'terminated') return task;
      await new Promise((r) => setTimeout(r, 500));
    }
  }

  it('drydock task list signs in through Keystone and lists no task yet', async () => {
    expect(await json('task', 'list')).to.deep.equal([]);
  });

  it('drydock task create -a verify_site answers the queued task; task show follows it to success', async () => {
    const created = await json<DrydockTask>('task', 'create', '-d', designRef, '-a', 'verify_site');
    expect(created).to.include({ action: 'verify_site', status: 'queued' });
    expect(created.bosun_task_id).to.be.a('number');
    const done = await settled(created.task_id);
    expect(done.result.status).to.equal('success');
    expect(done.result.successes).to.deep.equal(['bosun-test/busybox:latest']);
    const listed = await json<DrydockTask[]>('task', 'list');
    expect(listed.map((t) => t.task_id)).to.deep.equal([created.task_id]);
  });

  it('drydock task create -a prepare_nodes -n node01: one node prepared, listed by node list, with its build data', async () => {
    const created = await json<DrydockTask>('task', 'create', '-d', designRef, '-a', 'prepare_nodes', '-n', 'node01');
    // The CLI sends its own filter shape: an intersection of one union filter, with empty rack names.
    expect(created.node_filter).to.deep.equal({
      filter_set_type: 'intersection',
      filter_set: [{ filter_type: 'union', node_names: ['node01'], rack_names: [] }],
    });
    prepared = await settled(created.task_id);
    expect(prepared.result).to.include({ status: 'success' });
    expect(prepared.result.successes).to.deep.equal(['node01']);
    expect(prepared.subtask_id_list).to.have.length(1);

    const table = (await drydock(['node', 'list'])).stdout;
    expect(table).to.match(/\|\s+Node Name\s+\|\s+Status\s+\|\s+CPUs\s+\|\s+Memory\s+\|/);
    expect(table).to.match(
      /\|\s+node01\s+\|\s+Ready\s+\|\s+\d+\s+\|\s+1024\s+\|\s+None\s+\|\s+None\s+\|\s+docker:\/\/[0-9a-f]{12}\s+\|\s+off\s+\|/,
    );
    const nodes = await json<Array<{ hostname: string; power_state: string }>>('node', 'list', '-o', 'json');
    expect(nodes.map((n) => [n.hostname, n.power_state])).to.deep.equal([['node01', 'off']]);

    const records = await json<Array<{ generator: string; node_name: string; task_id: string; data_element: string }>>(
      'node',
      'builddata',
      'node01',
      '-o',
      'json',
    );
    expect(records.map((r) => r.generator).sort()).to.deep.equal(['cat /proc/meminfo', 'docker inspect', 'uname -a']);
    expect(records.find((r) => r.generator === 'uname -a')!.data_element).to.match(/^Linux node01 /);
    expect(records.every((r) => r.task_id === prepared.subtask_id_list[0])).to.equal(true);
    // Its default output is YAML; `--no-latest` sends `latest=False`.
    expect((await drydock(['node', 'builddata', 'node01'])).stdout).to.match(/generator: uname -a/);
    expect(await json<unknown[]>('node', 'builddata', '--no-latest', 'node01', '-o', 'json')).to.have.length(3);
    const byTask = await json<Array<{ node_name: string }>>('task', 'builddata', '-t', prepared.task_id, '-o', 'json');
    expect(byTask.map((r) => r.node_name)).to.deep.equal(['node01', 'node01', 'node01']);
  });

  it('drydock task create -a deploy_nodes -n node01,node02: both nodes running with their boot actions', async () => {
    const created = await json<DrydockTask>(
      'task',
      'create',
      '-d',
      designRef,
      '-a',
      'deploy_nodes',
      '-n',
      'node01,node02',
    );
    const done = await settled(created.task_id);
    expect(done.result.status).to.equal('success');
    expect(done.result.successes.sort()).to.deep.equal(['node01', 'node02']);
    const nodes = await json<Array<{ hostname: string; status_name: string; power_state: string }>>(
      'node',
      'list',
      '-o',
      'json',
    );
    expect(nodes.map((n) => [n.hostname, n.status_name, n.power_state])).to.deep.equal([
      ['node01', 'Deployed', 'on'],
      ['node02', 'Deployed', 'on'],
    ]);
  });

  it('Drydock errors reach the CLI: an unknown action, an unknown task, a wrong password', async () => {
    const unknown = await drydock(['task', 'create', '-d', designRef, '-a', 'launch_nodes']).then(
      () => null,
      (e: CliError) => e,
    );
    expect(unknown, 'the create should fail').to.not.equal(null);
    expect(unknown!.stderr).to.contain(
      'Error - received 400: {"type":"error","message":"Unsupported action launch_nodes","retry":false}',
    );
    const missing = await drydock(['task', 'show', '-t', '00000000-0000-0000-0000-000000000000']).then(
      () => null,
      (e: CliError) => e,
    );
    expect(missing!.stderr).to.contain('Error - received 404');
    const denied = await drydock(['task', 'list'], { OS_PASSWORD: 'wrong' }).then(
      () => null,
      (e: CliError) => e,
    );
    expect(denied!.stderr).to.contain('Unable to authenticate with Keystone');
  });

  it('drydock task delete -d 1 keeps tasks younger than a day', async () => {
    expect((await drydock(['task', 'delete', '-d', '1'])).stdout).to.contain('Task table purged successfully.');
    expect(await json<unknown[]>('task', 'list')).to.have.length(3 + 3);
  });
});

class CliError extends Error {
  constructor(
    message: string,
    readonly stdout: string,
    readonly stderr: string,
  ) {
    super(message);
  }
}

/** What Drydock's CLI reads from the environment: Keystone's OS_* variables, and the CA for TLS. */
function cliEnv(port: number, ca: string): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries(process.env)) if (v !== undefined && !/^(OS_|DD_URL$)/.test(k)) env[k] = v;
  return {
    ...env,
    OS_AUTH_URL: `https://127.0.0.1:${port}/v3`,
    OS_USERNAME: 'admin',
    OS_PASSWORD: 'cli-secret',
    OS_PROJECT_NAME: 'service',
    OS_USER_DOMAIN_NAME: 'default',
    OS_PROJECT_DOMAIN_NAME: 'default',
    REQUESTS_CA_BUNDLE: ca,
    OS_CACERT: ca,
  };
}

function run(cli: string, args: string[], env: Record<string, string>): Promise<{ stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    execFile(cli, args, { env, maxBuffer: 64 * 1024 * 1024, timeout: 120_000 }, (err, stdout, stderr) => {
      if (err)
        reject(
          new CliError(`drydock ${args.join(' ')} failed (${err.message}):\n${stdout}\n${stderr}`, stdout, stderr),
        );
      else resolve({ stdout, stderr });
    });
  });
}

function findDrydockCli(): string | null {
  const candidate = process.env.BOSUN_DRYDOCK_CLI;
  if (!candidate) return null;
  try {
    if (execFileSync(candidate, ['--help'], { encoding: 'utf8', timeout: 30_000 }).includes('Drydock CLI'))
      return candidate;
  } catch {
    // not there, or not Drydock's CLI
  }
  return null;
}
