import pino from 'pino';
import { Database, openDatabase, Backend } from '../../src/db/database';
import { migrateToLatest } from '../../src/db/migrate';
import { TEST_DATABASE_URL } from './test-env';

export const BACKENDS: Backend[] = ['embedded', 'postgres'];

export const silentLog = pino({ level: process.env.BOSUN_TEST_LOG ?? 'silent' });

const open = new Map<Backend, Promise<Database>>();

/** One migrated database per backend for the whole run: in-memory PGlite, and PostgreSQL's bosun_test. */
export function testDatabase(backend: Backend): Promise<Database> {
  let db = open.get(backend);
  if (!db) {
    db = (async () => {
      const d = await openDatabase({
        url: backend === 'postgres' ? TEST_DATABASE_URL : null,
        dataDir: '',
        inMemory: true,
        poolSize: 10,
        log: silentLog,
      });
      await migrateToLatest(d.knex);
      return d;
    })();
    open.set(backend, db);
  }
  return db;
}

/** Empties every table (ids restart at 1). */
export async function resetDatabase(db: Database): Promise<void> {
  await db.knex.raw(
    'truncate task_logs, tasks, settings, secrets, refresh_tokens, blobs, stemcells, release_versions, release_jobs, release_packages, compiled_packages, deployments, instances, deployment_problems, resurrections, events, configs, deployments_configs, drydock_designs, drydock_tasks, drydock_task_messages, drydock_nodes, drydock_build_data, drydock_boot_actions, drydock_report_lines, sync_tasks, sync_runs, sync_task_states, sync_modules restart identity cascade',
  );
}

export async function closeTestDatabases(): Promise<void> {
  for (const db of open.values()) await (await db).close();
  open.clear();
}
