import type { Knex } from 'knex';

const KEY = 'resurrection_paused';

/**
 * The Director-wide switch `bosh update-resurrection on|off` flips (`PUT /resurrection`), kept in
 * `settings` as the Director keeps it among its attributes: every node reads the same value.
 */
export class ResurrectionSetting {
  constructor(private readonly knex: Knex) {}

  async paused(): Promise<boolean> {
    const row = (await this.knex('settings').where({ key: KEY }).first()) as { value: string } | undefined;
    return row?.value === 'true';
  }

  async setPaused(paused: boolean): Promise<void> {
    await this.knex('settings')
      .insert({ key: KEY, value: String(paused) })
      .onConflict('key')
      .merge(['value']);
  }
}
