import fs from 'node:fs';
import path from 'node:path';
import knexFactory, { Knex } from 'knex';
import ClientPgLite from 'knex-pglite';
import pg from 'pg';
import type { Logger } from '../logger';
import { LocalNotifier, Notifier, PgNotifier } from './notifier';
import { DataDirLock } from './data-dir-lock';

// Plain numbers for bigint and numeric columns (ids, offsets and counts stay far below 2^53).
pg.types.setTypeParser(pg.types.builtins.INT8, (v) => Number(v));

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
    await knex.raw('select 1');
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
  }
  const knex = knexFactory({
    client: ClientPgLite as unknown as typeof Knex.Client,
    dialect: 'postgres',
    connection: { connectionString: location } as Knex.StaticConnectionConfig,
  });
  try {
    await knex.raw('select 1');
  } catch (err) {
    lock?.release();
    throw err;
  }
  const notifier = new LocalNotifier();
  return {
    backend: 'embedded',
    knex,
    notifier,
    async close() {
      await notifier.close();
      await knex.destroy();
      lock?.release();
    },
  };
}
