import { ChildProcess, spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { PROJECT_ROOT } from '../src/project-root';
import { basicAuth, DaemonClient } from '../soak/http-client';

export const BENCH_PASSWORD = 'bench-admin-password';

/** The node flags on a script's `#!/usr/bin/env -S node ...` line: the daemon runs here as bin/bosun runs it. */
function nodeFlagsOf(script: string): string[] {
  const first = fs.readFileSync(script, 'utf8').split('\n', 1)[0];
  const m = /^#!\/usr\/bin\/env -S node (.*)$/.exec(first);
  return m ? m[1].trim().split(/\s+/) : [];
}

/**
 * The compiled daemon (`bin/bosun start`) as its own process, so its memory is its own: a fresh data
 * directory, the given database, and a configuration file.
 */
export class BenchDaemon {
  readonly auth = basicAuth('admin', BENCH_PASSWORD);
  client!: DaemonClient;
  private child!: ChildProcess;
  private exited!: Promise<void>;
  private readonly dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'bosun-bench-'));

  constructor(
    private readonly env: Record<string, string>,
    private readonly config: string,
  ) {}

  /** The CA certificate the daemon generated, for clients of its own. */
  get caPath(): string {
    return path.join(this.dataDir, 'tls', 'ca.pem');
  }

  get pid(): number {
    return this.child.pid!;
  }

  async start(): Promise<void> {
    const configFile = path.join(this.dataDir, 'bench.yml');
    fs.writeFileSync(configFile, this.config);
    // BENCH_CPU_PROF=DIR: the daemon writes a CPU profile there when it stops (node --cpu-prof).
    const profile = process.env.BENCH_CPU_PROF ? ['--cpu-prof', '--cpu-prof-dir', process.env.BENCH_CPU_PROF] : [];
    const bin = path.join(PROJECT_ROOT, 'bin', 'bosun');
    this.child = spawn(process.execPath, [...nodeFlagsOf(bin), ...profile, bin, 'start'], {
      cwd: PROJECT_ROOT,
      env: {
        PATH: process.env.PATH ?? '',
        HOME: process.env.HOME ?? '/root',
        BOSUN_PORT: '0',
        BOSUN_DATA_DIR: this.dataDir,
        BOSUN_CONFIG: configFile,
        BOSUN_ADMIN_PASSWORD: BENCH_PASSWORD,
        ...this.env,
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    this.exited = new Promise((resolve) => this.child.on('exit', () => resolve()));
    let head = '';
    let err = '';
    this.child.stderr!.on('data', (d) => (err += d));
    const port = await new Promise<number>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`daemon did not start:\n${err}\n${head}`)), 30_000);
      this.child.stdout!.on('data', (d: Buffer) => {
        if (head.length < 100_000) head += d.toString();
        const line = head.split('\n').find((l) => l.includes('"msg":"bosun listening"'));
        if (line) {
          clearTimeout(timer);
          resolve((JSON.parse(line) as { port: number }).port);
        }
      });
      this.child.on('exit', () => reject(new Error(`daemon exited:\n${err}\n${head}`)));
    });
    this.client = new DaemonClient(port, path.join(this.dataDir, 'tls', 'ca.pem'), 256);
  }

  /** Peak resident set size since start or the last `resetPeak()`, in MB (VmHWM). */
  peakRssMb(): number {
    const status = fs.readFileSync(`/proc/${this.pid}/status`, 'utf8');
    return Number(/VmHWM:\s+(\d+) kB/.exec(status)![1]) / 1024;
  }

  rssMb(): number {
    const status = fs.readFileSync(`/proc/${this.pid}/status`, 'utf8');
    return Number(/VmRSS:\s+(\d+) kB/.exec(status)![1]) / 1024;
  }

  /** Starts a new peak from the current RSS (Linux: `5` to clear_refs). */
  resetPeak(): void {
    fs.writeFileSync(`/proc/${this.pid}/clear_refs`, '5');
  }

  async stop(): Promise<void> {
    this.client.close();
    this.child.kill('SIGTERM');
    await this.exited;
    fs.rmSync(this.dataDir, { recursive: true, force: true });
  }
}
