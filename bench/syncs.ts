import { execFile } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pino from 'pino';
import { loadConfig } from '../src/config/load-config';
import { Database, openDatabase } from '../src/db/database';
import { migrateToLatest } from '../src/db/migrate';
import type { Family } from '../src/families/family';
import { syncsFamily } from '../src/families/syncs/family';
import { SyncTasksRepo } from '../src/families/syncs/sync-tasks-repo';
import { TerraformWorkspace } from '../src/families/syncs/terraform-workspace';
import { UserStore } from '../src/auth/user-store';
import { connectDockerEngine } from '../src/docker/docker-engine';
import { loadSecretsKey, SecretStore } from '../src/secrets/secret-store';
import { OperationRegistry } from '../src/runner/operation';
import { TaskRunner } from '../src/runner/task-runner';
import { TaskService } from '../src/tasks/task-service';
import { median, percentile, sleep } from './stats';

const log = pino({ level: 'silent' });

/** The module of the runs measured: built-in resources only, replaced when the instances change. */
const MODULE = `
variable "services" {
  type    = any
  default = {}
}
variable "out" {
  type = string
}
resource "terraform_data" "hosts" {
  triggers_replace = [sha256(jsonencode(var.services))]
  provisioner "local-exec" {
    command = "printf '%s' \\"$DATA\\" > \\"$OUT\\""
    environment = {
      OUT  = var.out
      DATA = jsonencode(var.services)
    }
  }
}
`;

const DEPLOYMENT = 'bench-sync';

/**
 * Sync tasks in this process on PostgreSQL, with the daemon's defaults (watch interval, no buffer):
 * how soon a changed instance (what a `bosh recreate` writes: a new container and creation time) starts
 * the sync run's task, and what a whole run costs over running terraform by hand.
 */
export class SyncsBench {
  private db!: Database;
  private tasks!: TaskService;
  private runner!: TaskRunner;
  private family!: Family;
  private base!: string;
  private instanceId = crypto.randomUUID();

  constructor(private readonly url: string) {}

  async start(): Promise<void> {
    this.base = fs.mkdtempSync(path.join(os.tmpdir(), 'bosun-bench-sync-'));
    fs.mkdirSync(path.join(this.base, 'modules', 'hosts'), { recursive: true });
    fs.writeFileSync(path.join(this.base, 'modules', 'hosts', 'main.tf'), MODULE);
    this.db = await openDatabase({ url: this.url, dataDir: '', inMemory: true, poolSize: 10, log });
    await migrateToLatest(this.db.knex);
    await this.db.knex('deployments').where({ name: DEPLOYMENT }).delete();
    await this.db.knex('sync_tasks').where({ name: 'bench-hosts' }).delete();
    // Runs of an earlier bench on this database would be counted as this one's.
    await this.db.knex('tasks').where({ queue_name: 'sync:bench-hosts' }).delete();
    await this.db.knex('deployments').insert({ name: DEPLOYMENT });
    await this.db.knex('instances').insert({
      id: this.instanceId,
      deployment: DEPLOYMENT,
      instance_group: 'web',
      idx: 0,
      container_id: 'c0',
      vm_created_at: new Date(),
    });
    this.tasks = new TaskService(this.db);
    const config = loadConfig({
      env: {
        BOSUN_NODE_ID: 'bench-sync',
        BOSUN_SECRETS_KEY: crypto.randomBytes(32).toString('base64'),
        BOSUN_SYNC_MODULES_ROOT: path.join(this.base, 'modules'),
      },
    });
    this.family = syncsFamily({
      config,
      db: this.db,
      tasks: this.tasks,
      users: new UserStore([]),
      docker: connectDockerEngine(),
      secrets: new SecretStore(this.db.knex, loadSecretsKey(config)),
      log,
    });
    this.runner = new TaskRunner(
      this.db,
      new OperationRegistry(this.family.operations),
      { nodeId: 'bench-sync', workers: 4, pollIntervalMs: 2000, checkpointIntervalMs: 5000, timeoutSeconds: 30 },
      log,
    );
    await this.runner.start();
    this.tasks.dispatchTo(this.runner);
    await new SyncTasksRepo(this.db.knex).insert(
      {
        name: 'bench-hosts',
        description: '',
        enabled: true,
        module: 'hosts',
        version: '',
        variables: { out: path.join(this.base, 'hosts.json') },
        providers: [],
        condition: { instances: { deployment: DEPLOYMENT, instance_group: null, use_as_module_input: true } },
        module_input: {},
        buffer_period: { enabled: false, min: '5s', max: '20s' },
      },
      'bench',
      { fingerprint: null, hash: null, nextTickAt: null },
    );
    await this.family.start!();
    await this.waitForRuns(1);
  }

  private async runs(): Promise<Array<{ id: number; state: string; started_at: Date | null; timestamp: Date }>> {
    return this.db
      .knex('tasks')
      .where({ type: 'sync_task_run', queue_name: 'sync:bench-hosts' })
      .orderBy('id')
      .select('id', 'state', 'started_at', 'timestamp');
  }

  private async waitForRuns(n: number, until: (state: string) => boolean = (s) => s === 'done' || s === 'error') {
    for (;;) {
      const runs = await this.runs();
      if (runs.length >= n && until(runs[n - 1].state)) return runs[n - 1];
      // Times are read from the task rows, so a slow poll does not skew them (and leaves terraform the CPU).
      await sleep(25);
    }
  }

  /** From the instance's change to its sync run's task `processing` (ms), one change at a time. */
  async reaction(samples: number): Promise<{ p50: number; p99: number; runMs: number[] }> {
    const times: number[] = [];
    const runMs: number[] = [];
    let n = (await this.runs()).length;
    for (let i = 0; i < samples; i++) {
      // A change lands anywhere in the watcher's interval, not just after the pass that a run's end wakes.
      await sleep(Math.random() * 1000);
      const t0 = Date.now();
      await this.db
        .knex('instances')
        .where({ id: this.instanceId })
        .update({ container_id: `c${i + 1}`, vm_created_at: new Date() });
      n++;
      const started = await this.waitForRuns(n, (s) => s !== 'queued');
      times.push(new Date(started.started_at!).getTime() - t0);
      const done = await this.waitForRuns(n);
      runMs.push(new Date(done.timestamp).getTime() - new Date(done.started_at!).getTime());
    }
    return { p50: median(times), p99: percentile(times, 99), runMs };
  }

  /**
   * `terraform init` and `apply -auto-approve` of the same module, run by hand in a working directory
   * kept between runs, with changed input each time (as each sync run has): ms per run.
   */
  async bareApply(samples: number): Promise<{ initApply: number; apply: number }> {
    const ws = await TerraformWorkspace.create('bench-bare');
    const bin =
      (await new Promise<string>((resolve) =>
        execFile('sh', ['-c', 'command -v terraform'], (_e, out) => resolve(out.trim())),
      )) || 'terraform';
    const signal = new AbortController().signal;
    const both: number[] = [];
    const applyOnly: number[] = [];
    try {
      await ws.linkModule(path.join(this.base, 'modules', 'hosts'));
      for (let i = 0; i < samples; i++) {
        await ws.writeRoot({
          taskName: 'bench-hosts',
          variables: { out: path.join(this.base, 'bare.json') },
          services: { [this.instanceId]: { id: this.instanceId, node: `bare-${i}` } },
          kv: null,
        });
        const t0 = performance.now();
        if ((await ws.run(bin, ['init', '-input=false', '-no-color'], signal, () => undefined)) !== 0)
          throw new Error('terraform init failed');
        const t1 = performance.now();
        if ((await ws.run(bin, ['apply', '-auto-approve', '-input=false', '-no-color'], signal, () => undefined)) !== 0)
          throw new Error('terraform apply failed');
        const t2 = performance.now();
        both.push(t2 - t0);
        applyOnly.push(t2 - t1);
      }
    } finally {
      await ws.remove();
    }
    return { initApply: median(both), apply: median(applyOnly) };
  }

  async stop(): Promise<void> {
    await this.family.stop!();
    await this.runner.stop(10_000);
    await this.db.knex('sync_tasks').where({ name: 'bench-hosts' }).delete();
    await this.db.knex('deployments').where({ name: DEPLOYMENT }).delete();
    await this.db.close();
    fs.rmSync(this.base, { recursive: true, force: true });
  }
}
