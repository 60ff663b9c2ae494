import type { Knex } from 'knex';
import { MIGRATIONS, Migration } from '../../migrations';

class ListMigrationSource implements Knex.MigrationSource<[string, Migration]> {
  getMigrations() {
    return Promise.resolve(MIGRATIONS);
  }
  getMigrationName([name]: [string, Migration]) {
    return name;
  }
  getMigration([, migration]: [string, Migration]) {
    return Promise.resolve(migration);
  }
}

const migrationConfig: Knex.MigratorConfig = {
  migrationSource: new ListMigrationSource(),
  tableName: 'bosun_migrations',
};

/** Whether every migration this version knows is applied. */
export async function migrationsCurrent(knex: Knex): Promise<boolean> {
  const [, pending] = (await knex.migrate.list(migrationConfig)) as [unknown[], unknown[]];
  return pending.length === 0;
}

/** Brings the schema up to date; safe when several nodes start at once (knex takes a lock table). */
export async function migrateToLatest(knex: Knex): Promise<string[]> {
  // knex types the result `any`: it is [batch number, names of the migrations applied].
  const [, applied] = (await knex.migrate.latest(migrationConfig)) as [number, string[]];
  return applied;
}
