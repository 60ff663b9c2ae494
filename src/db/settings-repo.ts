import type { Knex } from 'knex';

interface SettingRow {
  key: string;
  value: string;
}

/** SQL on `settings`: Director-wide values created once. */
export class SettingsRepo {
  constructor(private readonly knex: Knex) {}

  /** Returns the stored value, or stores `make()` if there is none; safe when nodes race. */
  async getOrCreate(key: string, make: () => string): Promise<{ value: string; created: boolean }> {
    const existing = await this.knex<SettingRow>('settings').where({ key }).first();
    if (existing) return { value: existing.value, created: false };
    const inserted = await this.knex<SettingRow>('settings')
      .insert({ key, value: make() })
      .onConflict('key')
      .ignore()
      .returning('value');
    if (inserted.length) return { value: inserted[0].value, created: true };
    // Another node inserted it first: it is there now.
    const row = await this.knex<SettingRow>('settings').where({ key }).first();
    return { value: row!.value, created: false };
  }
}
