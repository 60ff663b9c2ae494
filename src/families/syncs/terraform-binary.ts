import { z } from 'zod';
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { asError } from '../../errors/as-error';

/** What `terraform version -json` prints (the part bosun reads). */
const versionOutput = z.object({ terraform_version: z.string() });

export type TerraformCheck = { ok: true; path: string; version: string } | { ok: false; problem: string };

function isExecutable(file: string): boolean {
  try {
    fs.accessSync(file, fs.constants.X_OK);
    return fs.statSync(file).isFile();
  } catch {
    return false;
  }
}

/** The environment every terraform command runs with: no prompts, no update check over the network. */
export function terraformEnv(base: NodeJS.ProcessEnv = process.env): NodeJS.ProcessEnv {
  return { ...base, TF_IN_AUTOMATION: '1', TF_INPUT: '0', CHECKPOINT_DISABLE: '1' };
}

/**
 * The `terraform` binary: `syncs.terraform` (BOSUN_TERRAFORM) when set, else the first on PATH. Checked
 * on demand (task creation, /v1/health, every run), the version read once per path.
 */
export class TerraformBinary {
  private versions = new Map<string, string>();

  constructor(
    private readonly configured: string | null,
    private readonly env: NodeJS.ProcessEnv = process.env,
  ) {}

  locate(): string | null {
    if (this.configured) return isExecutable(this.configured) ? path.resolve(this.configured) : null;
    for (const dir of (this.env.PATH ?? '').split(path.delimiter)) {
      if (!dir) continue;
      const file = path.join(dir, 'terraform');
      if (isExecutable(file)) return file;
    }
    return null;
  }

  async check(): Promise<TerraformCheck> {
    const file = this.locate();
    if (!file) {
      return {
        ok: false,
        problem: this.configured
          ? `the terraform binary ${this.configured} (syncs.terraform / BOSUN_TERRAFORM) does not exist or is not executable`
          : 'no terraform binary on PATH; install terraform or set BOSUN_TERRAFORM',
      };
    }
    let version = this.versions.get(file);
    if (!version) {
      try {
        version = await new Promise<string>((resolve, reject) =>
          execFile(file, ['version', '-json'], { env: terraformEnv(this.env), timeout: 30_000 }, (err, stdout) => {
            if (err) return reject(asError(err));
            try {
              resolve(versionOutput.parse(JSON.parse(stdout)).terraform_version);
            } catch (e) {
              reject(asError(e));
            }
          }),
        );
      } catch (err) {
        return {
          ok: false,
          problem: `${file} does not answer \`terraform version -json\`: ${(err as Error).message.split('\n')[0]}`,
        };
      }
      this.versions.set(file, version);
    }
    return { ok: true, path: file, version };
  }
}
