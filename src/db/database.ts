import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import knexFactory, { Knex } from 'knex';
import type { PGlite } from '@electric-sql/pglite';
import ClientPgLite from 'knex-pglite';
import pg from 'pg';
import type { Logger } from '../logger';
import { decodeAppended, LocalNotifier, Notifier, PgNotifier, TASK_LOGS_CHANNEL } from './notifier';
import { DataDirLock } from './data-dir-lock';
import type { RawRows } from './row-values';

// Plain numbers for bigint and numeric columns (ids, offsets and counts stay far below 2^53).
pg.types.setTypeParser(pg.types.builtins.INT8, (v) => Number(v));

/** Run by a child process: creates a PGlite cluster in $BOSUN_CLUSTER_DIR and closes it. */
const CREATE_CLUSTER = `require(${JSON.stringify(require.resolve('@electric-sql/pglite'))}).PGlite.create(process.env.BOSUN_CLUSTER_DIR).then((db) => db.close())`;

export type Backend = 'postgres' | 'embedded';

export interface Database {
  readonly backend: Backend;
  readonly knex: Knex;
  readonly notifier: Notifier;
  close(): Promise<void>;
}

export interface DatabaseOptions {
  url: string | null;
  dataDir: string;
  poolSize: number;
  log: Logger;
  /** Embedded only: keep the database in memory instead of under dataDir (used for throwaway databases). */
  inMemory?: boolean;
}

/** The one place that builds a knex instance: PostgreSQL when a URL is given, else embedded PGlite. */
export async function openDatabase(opts: DatabaseOptions): Promise<Database> {
  if (opts.url) {
    const knex = knexFactory({
      client: 'pg',
      connection: { connectionString: opts.url, application_name: 'bosun' },
      pool: { min: 0, max: opts.poolSize },
    });
    await knex.raw<RawRows>('select 1');
    const notifier = new PgNotifier(opts.url, opts.log);
    await notifier.start();
    return {
      backend: 'postgres',
      knex,
      notifier,
      async close() {
        await notifier.close();
        await knex.destroy();
      },
    };
  }
  let lock: DataDirLock | null = null;
  let location = 'memory://';
  if (!opts.inMemory) {
    const dir = path.join(opts.dataDir, 'db');
    fs.mkdirSync(dir, { recursive: true });
    lock = DataDirLock.acquire(opts.dataDir);
    location = dir;
    // Creating the cluster (initdb) leaves PGlite's WebAssembly memory at a size it never gives back
    // (850 MB RSS on a first start against 375 MB on the next): a new data directory is created by a
    // process of its own, whose memory goes when it exits.
    if (!fs.existsSync(path.join(dir, 'PG_VERSION'))) {
      try {
        execFileSync(process.execPath, ['-e', CREATE_CLUSTER], {
          env: { ...process.env, BOSUN_CLUSTER_DIR: dir },
          stdio: ['ignore', 'ignore', 'pipe'],
        });
      } catch (err) {
        lock.release();
        const stderr = (err as { stderr?: Buffer }).stderr?.toString().trim();
        throw new Error(
          `creating the embedded database in ${dir} failed${stderr ? `: ${stderr.split('\n').slice(-3).join(' ')}` : ''}`,
        );
      }
    }
  }
  const knex = knexFactory({
    client: ClientPgLite,
    dialect: 'postgres',
    connection: { connectionString: location } as Knex.StaticConnectionConfig,
  });
  try {
    await knex.raw<RawRows>('select 1');
  } catch (err) {
    lock?.release();
    throw err;
  }
  const notifier = new LocalNotifier();
  // The task_logs trigger's notifications, from PGlite's own LISTEN (every append, whatever wrote it).
  const pglite = (knex.client as { pglite: PGlite }).pglite;
  const unlisten = await pglite.listen(TASK_LOGS_CHANNEL, (payload) => {
    const signal = decodeAppended(payload);
    if (signal) notifier.publish(signal);
  });
  return {
    backend: 'embedded',
    knex,
    notifier,
    async close() {
      await unlisten().catch(() => undefined);
      await notifier.close();
      await knex.destroy();
      lock?.release();
    },
  };
}
