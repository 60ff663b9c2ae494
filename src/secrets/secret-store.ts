import { z } from 'zod';
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import type { Knex } from 'knex';
import type { Config } from '../config/load-config';
import type { SecretResolver } from './secret-resolver';
import { SecretCipher } from './secret-cipher';
import type { SecretRedactor } from './secret-redactor';
import { SecretRow, SecretsRepo } from './secrets-repo';

export type SecretType = 'value' | 'password' | 'json';

export interface Secret {
  id: string;
  name: string;
  type: SecretType;
  value: string | Record<string, unknown>;
  versionCreatedAt: Date;
}

/** A secret's value as stored (encrypted): a string, or the object of a json or certificate secret. */
const storedValue = z.union([z.string(), z.record(z.string(), z.unknown())]);

const REF = /^(\w+)@([\w\-_/]+)\.([\w\-_]+)$/;

const PASSWORD_ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';

/** A random password of letters and digits, as CredHub generates by default. */
export function randomPassword(length: number): string {
  return Array.from(crypto.randomBytes(length), (b) => PASSWORD_ALPHABET[b % PASSWORD_ALPHABET.length]).join('');
}

/** Names as CredHub writes them: always starting with `/`. */
export function secretName(pathOrName: string): string {
  return pathOrName.startsWith('/') ? pathOrName : `/${pathOrName}`;
}

/**
 * bosun's own secret store: values encrypted at rest with the configured key, read by container jobs
 * (`VAR@path.key` refs) and, later, by deployment manifests.
 */
export class SecretStore implements SecretResolver {
  private readonly repo: SecretsRepo;
  private readonly cipher: SecretCipher;

  /** `reader`, when set, is the task this view of the store reads for (see `readingFor`). */
  constructor(
    private readonly knex: Knex,
    private readonly key: Buffer,
    private readonly reader?: SecretRedactor,
  ) {
    this.repo = new SecretsRepo(knex);
    this.cipher = new SecretCipher(key);
  }

  /**
   * The store as a task reads it: every value it hands out (read, generated or resolved from a ref) is
   * registered with the task's redactor first, so the task never holds a secret its output would show.
   */
  readingFor(redactor: SecretRedactor): SecretStore {
    return new SecretStore(this.knex, this.key, redactor);
  }

  async set(name: string, type: SecretType, value: Secret['value']): Promise<Secret> {
    const row = await this.repo.upsert(crypto.randomUUID(), name, type, this.cipher.seal(name, JSON.stringify(value)));
    return this.open(row);
  }

  /** Generates a password for `name` unless it has a value already (CredHub's no-overwrite). */
  async generatePassword(name: string, length: number): Promise<Secret> {
    const password = randomPassword(length);
    const row = await this.repo.insertIfAbsent(
      crypto.randomUUID(),
      name,
      'password',
      this.cipher.seal(name, JSON.stringify(password)),
    );
    return row ? this.open(row) : (await this.get(name))!;
  }

  async get(name: string): Promise<Secret | null> {
    const row = await this.repo.findByName(name);
    return row ? this.open(row) : null;
  }

  async getById(id: string): Promise<Secret | null> {
    const row = await this.repo.findById(id);
    return row ? this.open(row) : null;
  }

  /** The secrets `name` and, with `recurse`, every one under `name/` (read-only: what sync tasks watch). */
  async listUnder(name: string, recurse: boolean): Promise<Secret[]> {
    return (await this.repo.findUnder(name, recurse)).map((row) => this.open(row));
  }

  /** A digest that changes whenever a secret `listUnder` reads is written, added or deleted. */
  versionsUnder(name: string, recurse: boolean): Promise<string> {
    return this.repo.versionsUnder(name, recurse);
  }

  delete(name: string): Promise<boolean> {
    return this.repo.deleteByName(name);
  }

  /** Resolves GoStint's `VAR@path.key`: a field of a json secret, or `value` of a value/password one. */
  async resolveRef(ref: string): Promise<{ variable: string; value: string } | { variable: string; missing: string }> {
    const m = REF.exec(ref);
    if (!m) throw new Error(`malformed secret ref '${ref}': expected VAR@path.key`);
    const [, variable, p, key] = m;
    const secret = await this.get(secretName(p));
    if (!secret) return { variable, missing: `no secret named ${secretName(p)}` };
    if (secret.type !== 'json') {
      return key === 'value'
        ? { variable, value: typeof secret.value === 'string' ? secret.value : JSON.stringify(secret.value) }
        : { variable, missing: `${secret.type} secret has only the key 'value'` };
    }
    const field = (secret.value as Record<string, unknown>)[key];
    if (field === undefined) return { variable, missing: `secret ${secret.name} has no key '${key}'` };
    // A field that is not a string is written as its JSON text, which is then the secret to hide.
    const value = typeof field === 'string' ? field : JSON.stringify(field);
    this.reader?.add(value);
    return { variable, value };
  }

  private open(row: SecretRow): Secret {
    const value = storedValue.parse(JSON.parse(this.cipher.open(row.name, row)));
    this.reader?.addLeaves(value);
    return { id: row.id, name: row.name, type: row.type as SecretType, value, versionCreatedAt: row.versionCreatedAt };
  }
}

/** The configured key, or one generated once under data_dir/secrets.key. */
export function loadSecretsKey(config: Pick<Config, 'secrets' | 'data_dir'>): Buffer {
  if (config.secrets.key) return Buffer.from(config.secrets.key, 'base64');
  const file = path.join(config.data_dir, 'secrets.key');
  if (!fs.existsSync(file)) {
    fs.mkdirSync(config.data_dir, { recursive: true, mode: 0o700 });
    fs.writeFileSync(file, crypto.randomBytes(32).toString('base64'), { mode: 0o600, flag: 'wx' });
  }
  return Buffer.from(fs.readFileSync(file, 'utf8').trim(), 'base64');
}
