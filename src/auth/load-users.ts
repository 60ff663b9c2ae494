import crypto from 'node:crypto';
import type { Knex } from 'knex';
import type { Config } from '../config/load-config';
import { SettingsRepo } from '../db/settings-repo';
import { hashPassword } from './password-hash';
import { UserStore } from './user-store';

/**
 * Builds the user store from the configured users plus `admin`, whose password is, in order:
 * BOSUN_ADMIN_PASSWORD (admin_password), an `admin` entry in `users`, or one generated on the first
 * start (its hash kept in the database, shared by every node; the password is handed to `announce` once).
 */
export async function loadUsers(config: Config, knex: Knex, announce: (password: string) => void): Promise<UserStore> {
  const users = config.users
    .filter((u) => !(u.name === 'admin' && config.admin_password))
    .map((u) => ({
      name: u.name,
      scopes: u.scopes,
      passwordHash: u.password_hash ?? hashPassword(u.password as string),
    }));
  if (config.admin_password) {
    users.push({ name: 'admin', scopes: ['bosh.admin'], passwordHash: hashPassword(config.admin_password) });
  } else if (!users.some((u) => u.name === 'admin')) {
    const generated = crypto.randomBytes(18).toString('base64url');
    const settings = new SettingsRepo(knex);
    const { value, created } = await settings.getOrCreate('admin_password_hash', () => hashPassword(generated));
    if (created) announce(generated);
    users.push({ name: 'admin', scopes: ['bosh.admin'], passwordHash: value });
  }
  return new UserStore(users);
}
