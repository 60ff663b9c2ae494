import { connectDockerEngine } from '../../src/docker/docker-engine';
import { SecretStore } from '../../src/secrets/secret-store';
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { loadConfig } from '../../src/config/load-config';
import type { Family } from '../../src/families/family';
import { syncsFamily } from '../../src/families/syncs/family';
import type { WatcherOptions } from '../../src/families/syncs/sync-watcher';
import type { Database } from '../../src/db/database';
import type { TaskService } from '../../src/tasks/task-service';
import { silentLog } from '../support/databases';
import { users } from '../support/harness';

/**
 * A module made only of Terraform's built-in resources (no provider to download): it writes what it was
 * given (services, consul_kv, label) as JSON to `var.out`, again whenever that changes.
 */
export const WRITER_MODULE = `
variable "out" {
  type = string
}
variable "label" {
  type    = string
  default = ""
}
variable "services" {
  type    = any
  default = {}
}
variable "consul_kv" {
  type      = map(string)
  default   = {}
  sensitive = true
}
resource "terraform_data" "write" {
  triggers_replace = [sha256(jsonencode(var.services)), sha256(jsonencode(var.consul_kv)), var.label]
  provisioner "local-exec" {
    command = "printf '%s' \\"$DATA\\" > \\"$OUT\\""
    environment = {
      OUT  = var.out
      DATA = jsonencode({ services = var.services, consul_kv = var.consul_kv, label = var.label })
    }
  }
}
output "count" {
  value = length(var.services)
}
`;

/** A module whose apply fails (a provisioner exiting non-zero). */
export const FAILING_MODULE = `
variable "services" {
  type    = any
  default = {}
}
resource "terraform_data" "fail" {
  provisioner "local-exec" {
    command = "echo about to fail; exit 3"
  }
}
`;

/** A module whose apply takes `seconds` (to overlap runs and changes). */
export const SLOW_MODULE = `
variable "services" {
  type    = any
  default = {}
}
variable "out" {
  type = string
}
resource "terraform_data" "slow" {
  triggers_replace = [sha256(jsonencode(var.services))]
  provisioner "local-exec" {
    command = "sleep 1.5; echo ok >> \\"$OUT\\""
    environment = { OUT = var.out }
  }
}
`;

/** A fresh modules root holding `writer`, `failing` and `slow`, and an output directory. */
export function modulesRoot(): { root: string; out: string } {
  const base = fs.mkdtempSync(path.join(os.tmpdir(), 'bosun-sync-spec-'));
  const root = path.join(base, 'modules');
  for (const [name, text] of [
    ['writer', WRITER_MODULE],
    ['failing', FAILING_MODULE],
    ['slow', SLOW_MODULE],
  ]) {
    fs.mkdirSync(path.join(root, name), { recursive: true });
    fs.writeFileSync(path.join(root, name, 'main.tf'), text);
  }
  const out = path.join(base, 'out');
  fs.mkdirSync(out);
  return { root, out };
}

export const SECRETS_KEY = crypto.randomBytes(32).toString('base64');

/** The syncs family on `db`, with a modules root, a short watch interval and no buffer by default. */
export function testSyncs(
  db: Database,
  tasks: TaskService,
  root: string,
  env: Record<string, string> = {},
  opts: Partial<WatcherOptions> = {},
): Family {
  return syncsFamily(
    {
      config: loadConfig({
        env: { BOSUN_NODE_ID: 'node-a', BOSUN_SECRETS_KEY: SECRETS_KEY, BOSUN_SYNC_MODULES_ROOT: root, ...env },
      }),
      db,
      tasks,
      users,
      log: silentLog,
      docker: connectDockerEngine(),
      secrets: new SecretStore(db.knex, Buffer.from(SECRETS_KEY, 'base64')),
    },
    { intervalMs: 100, ...opts },
  );
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Polls `fn` until it returns a truthy value. */
export async function eventually<T>(
  fn: () => Promise<T>,
  timeoutMs = 20_000,
  what = 'condition',
): Promise<NonNullable<T>> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn();
    if (v) return v;
    if (Date.now() > deadline) throw new Error(`${what} not reached within ${timeoutMs} ms`);
    await sleep(50);
  }
}
