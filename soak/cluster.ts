import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import knexFactory, { Knex } from 'knex';
import { DaemonProcess, spawnDaemon } from '../spec/support/daemon-process';
import { basicAuth, DaemonClient } from './http-client';
import type { RawRows } from '../src/db/row-values';

export const SOAK_ADMIN = { name: 'admin', password: 'soak-admin-password' };
export const SOAK_READER = { name: 'reader', password: 'soak-reader-password' };

/** Liveness settings of the soak's nodes: short, so a killed node's tasks end quickly. */
export const SOAK_LIVENESS = { checkpointSeconds: 1, timeoutSeconds: 6 };

export interface SoakNode {
  readonly name: string;
  readonly nodeId: string;
  daemon: DaemonProcess | null;
  client: DaemonClient | null;
}

/** Every daemon process any cluster of this process started and that has not exited. */
const started = new Set<DaemonProcess>();

/** SIGKILLs every daemon this process started: for a soak interrupted by a signal. */
export function killEveryNode(): void {
  for (const d of started) d.child.kill('SIGKILL');
}

/** Creates the database named by `url` unless it exists. */
async function ensureDatabase(url: string): Promise<void> {
  const u = new URL(url);
  const name = decodeURIComponent(u.pathname.slice(1));
  u.pathname = '/postgres';
  const admin = knexFactory({ client: 'pg', connection: u.toString(), pool: { min: 0, max: 1 } });
  try {
    const found = await admin.raw<RawRows>('select 1 from pg_database where datname = ?', [name]);
    if (!found.rows.length) await admin.raw<RawRows>('create database ??', [name]);
  } finally {
    await admin.destroy();
  }
}

/**
 * Two bosun daemon processes (with the test family) sharing one PostgreSQL database, a data directory
 * (so one CA and one secrets key) and a configuration with short liveness timings.
 */
export class SoakCluster {
  readonly nodes: SoakNode[];
  readonly admin = basicAuth(SOAK_ADMIN.name, SOAK_ADMIN.password);
  readonly reader = basicAuth(SOAK_READER.name, SOAK_READER.password);
  readonly knex: Knex;
  private readonly dataDir: string;
  private readonly configFile: string;

  constructor(
    readonly databaseUrl: string,
    readonly runId: string,
  ) {
    this.nodes = ['a', 'b'].map((n) => ({ name: n, nodeId: `soak-${runId}-${n}`, daemon: null, client: null }));
    this.dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'bosun-soak-'));
    this.configFile = path.join(this.dataDir, 'soak.yml');
    this.knex = knexFactory({ client: 'pg', connection: databaseUrl, pool: { min: 0, max: 4 } });
  }

  get caPath(): string {
    return path.join(this.dataDir, 'tls', 'ca.pem');
  }

  /** Empties the database and starts both nodes, one after the other (the first generates the CA). */
  async start(): Promise<void> {
    await ensureDatabase(this.databaseUrl);
    await this.knex.raw<RawRows>('drop schema if exists public cascade; create schema public');
    fs.writeFileSync(
      this.configFile,
      [
        'tasks:',
        `  checkpoint_interval_seconds: ${SOAK_LIVENESS.checkpointSeconds}`,
        `  timeout_seconds: ${SOAK_LIVENESS.timeoutSeconds}`,
        '  poll_interval_ms: 500',
        '  retention_per_type: 1000000',
        'shutdown:',
        '  grace_seconds: 10',
        'docker:',
        '  stop_grace_seconds: 1',
        'users:',
        `  - { name: ${SOAK_READER.name}, password: ${SOAK_READER.password}, scopes: [bosh.read] }`,
        '',
      ].join('\n'),
    );
    for (const node of this.nodes) await this.startNode(node);
  }

  live(): SoakNode[] {
    return this.nodes.filter((n) => n.client !== null);
  }

  async startNode(node: SoakNode): Promise<void> {
    node.daemon = await spawnDaemon({
      BOSUN_DATABASE_URL: this.databaseUrl,
      BOSUN_DATA_DIR: this.dataDir,
      BOSUN_CONFIG: this.configFile,
      BOSUN_NODE_ID: node.nodeId,
      BOSUN_ADMIN_PASSWORD: SOAK_ADMIN.password,
      BOSUN_WORKERS: '4',
    });
    node.client = new DaemonClient(node.daemon.port, this.caPath);
    const daemon = node.daemon;
    started.add(daemon);
    void daemon.exited.then(() => started.delete(daemon));
  }

  /** SIGKILL: the node stops at once, mid-task, without any cleanup. */
  async kill(node: SoakNode): Promise<void> {
    const daemon = node.daemon!;
    node.client?.close();
    node.client = null;
    daemon.child.kill('SIGKILL');
    await daemon.exited;
    node.daemon = null;
  }

  isUp(node: SoakNode): boolean {
    return node.daemon !== null && node.daemon.child.exitCode === null && node.daemon.child.signalCode === null;
  }

  /**
   * SIGTERM to every live node; resolves with their exit codes. A node still running `graceMs` after
   * its SIGTERM is SIGKILLed, and its code is null.
   */
  async stop(graceMs = 30_000): Promise<Array<number | null>> {
    const codes: Array<number | null> = [];
    for (const node of this.nodes) {
      if (!node.daemon) continue;
      node.client?.close();
      const daemon = node.daemon;
      daemon.child.kill('SIGTERM');
      const timer = setTimeout(() => daemon.child.kill('SIGKILL'), graceMs);
      codes.push((await daemon.exited).code);
      clearTimeout(timer);
      node.daemon = null;
      node.client = null;
    }
    await this.knex.destroy();
    fs.rmSync(this.dataDir, { recursive: true, force: true });
    return codes;
  }
}
