import type { Knex } from 'knex';
import { MIGRATIONS, Migration } from '../../migrations';

class ListMigrationSource implements Knex.MigrationSource<[string, Migration]> {
  async getMigrations() {
    return MIGRATIONS;
  }
  getMigrationName([name]: [string, Migration]) {
    return name;
  }
  async getMigration([, migration]: [string, Migration]) {
    return migration;
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
  const [, applied] = await knex.migrate.latest(migrationConfig);
  return applied as string[];
}
