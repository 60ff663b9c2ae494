import type { Knex } from 'knex';
import type { Row } from '../../db/row-values';

/** All SQL on `sync_task_states`: each task's Terraform state, stored after every run. */
export class SyncTaskStatesRepo {
  constructor(private readonly knex: Knex) {}

  async get(syncTask: string): Promise<string | null> {
    const row = await this.knex<Row>('sync_task_states').where({ sync_task: syncTask }).first('state');
    return row ? String(row.state) : null;
  }

  async put(syncTask: string, state: string, serial: number): Promise<void> {
    await this.knex<Row>('sync_task_states')
      .insert({ sync_task: syncTask, state, serial })
      .onConflict('sync_task')
      .merge({ state, serial, updated_at: this.knex.fn.now() });
  }
}
