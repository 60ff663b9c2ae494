import { ChildProcess, spawn } from 'node:child_process';
import fs from 'node:fs';
import https from 'node:https';
import path from 'node:path';

const ROOT = path.resolve(__dirname, '..', '..');

export interface DaemonProcess {
  child: ChildProcess;
  port: number;
  stdout: () => string;
  stderr: () => string;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

/** Daemon processes specs started; the root hook fails the run when one is still alive at its end. */
export const spawnedDaemons = new Set<ChildProcess>();

/** Starts bosun's command line (with the test family) as its own process and waits until it listens. */
export async function spawnDaemon(
  env: Record<string, string>,
  script = 'spec/support/test-daemon.ts',
): Promise<DaemonProcess> {
  const child = spawn(process.execPath, ['--import', 'tsx', script, 'start'], {
    cwd: ROOT,
    env: {
      PATH: process.env.PATH ?? '',
      HOME: process.env.HOME ?? '/root',
      BOSUN_PORT: '0',
      BOSUN_LOG_LEVEL: 'info',
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  spawnedDaemons.add(child);
  let out = '';
  let err = '';
  child.stdout.on('data', (d) => (out += d));
  child.stderr.on('data', (d) => (err += d));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.on('exit', (code, signal) => resolve({ code, signal })),
  );
  const deadline = Date.now() + 30_000;
  for (;;) {
    const line = out.split('\n').find((l) => l.includes('"msg":"bosun listening"'));
    if (line) return { child, port: JSON.parse(line).port, stdout: () => out, stderr: () => err, exited };
    if (child.exitCode !== null || Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`daemon did not start:\n${err}\n${out}`);
    }
    await new Promise((r) => setTimeout(r, 50));
  }
}

export interface Reply {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  text: string;
}

/** One HTTPS request to a daemon, trusting the CA it generated. */
export function request(
  port: number,
  caPath: string,
  method: string,
  urlPath: string,
  opts: { auth?: string; headers?: Record<string, string>; body?: string } = {},
): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const req = https.request(
      {
        host: '127.0.0.1',
        port,
        method,
        path: urlPath,
        ca: fs.readFileSync(caPath),
        headers: { ...(opts.auth ? { Authorization: opts.auth } : {}), ...(opts.headers ?? {}) },
        agent: false,
      },
      (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (d) => (text += d));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, text }));
      },
    );
    req.on('error', reject);
    req.end(opts.body);
  });
}
