import { spawn } from 'node:child_process';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { terraformEnv } from './terraform-binary';

/** What the root module bosun writes gives the task's module. */
export interface RootModuleInput {
  taskName: string;
  variables: Record<string, unknown>;
  /** CTS's `services` (instances), when the task feeds them to the module. */
  services: Record<string, unknown> | null;
  /** CTS's `consul_kv` (secrets), when the task feeds them; a sensitive variable. */
  kv: Record<string, string> | null;
}

/** The module block's name: the task's, when it is a Terraform identifier. */
export const moduleBlockName = (taskName: string) => (/^[A-Za-z_]/.test(taskName) ? taskName : `task_${taskName}`);

/**
 * A throwaway working directory for one run: the task's module under `module/`, a root module calling
 * it (written as Terraform's JSON syntax, so no value needs escaping), the inputs in
 * `terraform.tfvars.json`, and the task's state in `terraform.tfstate`. Private to bosun's user, and
 * removed after the run (it holds the values of watched secrets).
 */
export class TerraformWorkspace {
  private constructor(readonly dir: string) {}

  static async create(label: string): Promise<TerraformWorkspace> {
    const dir = await fs.mkdtemp(path.join(os.tmpdir(), `bosun-sync-${label}-`));
    await fs.chmod(dir, 0o700);
    return new TerraformWorkspace(dir);
  }

  get moduleDir(): string {
    return path.join(this.dir, 'module');
  }

  /** A local module is linked, not copied: Terraform reads it in place. */
  async linkModule(dir: string): Promise<void> {
    await fs.symlink(dir, this.moduleDir, 'dir');
  }

  async writeRoot(input: RootModuleInput): Promise<void> {
    const variables: Record<string, object> = {};
    const args: Record<string, string> = { source: './module' };
    const values: Record<string, unknown> = {};
    for (const [name, value] of Object.entries(input.variables)) {
      variables[name] = { type: 'any' };
      args[name] = `\${var.${name}}`;
      values[name] = value;
    }
    if (input.services) {
      variables.services = {
        type: 'any',
        description: 'Instances of the watched deployment, keyed by instance id (CTS services).',
      };
      args.services = '${var.services}';
      values.services = input.services;
    }
    if (input.kv) {
      variables.consul_kv = {
        type: 'map(string)',
        sensitive: true,
        description: 'Secrets under the watched path, by name (CTS consul_kv).',
      };
      args.consul_kv = '${var.consul_kv}';
      values.consul_kv = input.kv;
    }
    const root = { variable: variables, module: { [moduleBlockName(input.taskName)]: args } };
    await fs.writeFile(path.join(this.dir, 'main.tf.json'), `${JSON.stringify(root, null, 2)}\n`, { mode: 0o600 });
    await fs.writeFile(path.join(this.dir, 'terraform.tfvars.json'), JSON.stringify(values), { mode: 0o600 });
  }

  async writeState(state: string | null): Promise<void> {
    if (state !== null) await fs.writeFile(path.join(this.dir, 'terraform.tfstate'), state, { mode: 0o600 });
  }

  /** The state after a run, with its serial; null when Terraform wrote none. */
  async readState(): Promise<{ state: string; serial: number } | null> {
    let text: string;
    try {
      text = await fs.readFile(path.join(this.dir, 'terraform.tfstate'), 'utf8');
    } catch {
      return null;
    }
    let serial = 0;
    try {
      const state: unknown = JSON.parse(text);
      serial = Number((state as { serial?: unknown } | null)?.serial) || 0;
    } catch {
      // kept as Terraform wrote it
    }
    return { state: text, serial };
  }

  async remove(): Promise<void> {
    await fs.rm(this.dir, { recursive: true, force: true });
  }

  /**
   * Runs `terraform <args>` here, handing its output (stdout and stderr, interleaved as they come) to
   * `output`. Cancelling sends SIGINT (Terraform stops gracefully and writes its state), then SIGKILL
   * after `graceMs`.
   */
  run(
    binary: string,
    args: string[],
    signal: AbortSignal,
    output: (chunk: Buffer) => void,
    graceMs = 10_000,
  ): Promise<number> {
    return new Promise((resolve, reject) => {
      const child = spawn(binary, args, { cwd: this.dir, env: terraformEnv(), stdio: ['ignore', 'pipe', 'pipe'] });
      let killer: NodeJS.Timeout | null = null;
      const onAbort = () => {
        child.kill('SIGINT');
        killer = setTimeout(() => child.kill('SIGKILL'), graceMs);
      };
      if (signal.aborted) onAbort();
      else signal.addEventListener('abort', onAbort, { once: true });
      child.stdout.on('data', output);
      child.stderr.on('data', output);
      child.on('error', (err) => {
        signal.removeEventListener('abort', onAbort);
        reject(err);
      });
      child.on('close', (code, sig) => {
        signal.removeEventListener('abort', onAbort);
        if (killer) clearTimeout(killer);
        resolve(code ?? (sig ? 128 : 1));
      });
    });
  }
}
