import crypto from 'node:crypto';
import type { Knex } from 'knex';
import { dateColumn, type Row } from '../../db/row-values';
import type { SecretStore } from '../../secrets/secret-store';
import type { Condition, InstancesWatch, SecretsWatch } from './sync-task';

/** One instance as a module sees it: an entry of CTS's `services` variable. */
export interface ServiceEntry {
  id: string;
  name: string;
  address: string;
  port: number;
  status: 'passing' | 'critical';
  node: string;
  meta: Record<string, string>;
  tags: string[];
}

/** What a node sees of a task's watched data: a cheap fingerprint, and a hash of the content. */
export interface Observation {
  fingerprint: string;
  hash: string;
}

/**
 * The instance columns a run hands the module, hashed in SQL in the order `services` lists them: the
 * hash changes exactly when an instance is added or removed, or its container (a recreate) or
 * requested state (start, stop) changes.
 */
const INSTANCE_HASH = `md5(coalesce(string_agg(concat_ws('|', id::text, instance_group, idx::text, bootstrap::text, state,
  coalesce(container_id, ''), coalesce(extract(epoch from vm_created_at)::text, '')), ',' order by id), ''))`;

/**
 * bosun's data as sync tasks watch it: the Director's `instances` rows (read with SQL of this family's
 * own; the Director's repositories are not imported) and the secret store's values under a path.
 */
export class WatchedData {
  private readonly hmacKey: Buffer;

  constructor(
    private readonly knex: Knex,
    private readonly secrets: SecretStore,
    secretsKey: Buffer,
  ) {
    // Hashes of secret values are stored: keyed, so that a stored hash cannot be checked against guesses.
    this.hmacKey = crypto.createHash('sha256').update('bosun sync watch\0').update(secretsKey).digest();
  }

  private instancesOf(w: InstancesWatch) {
    const q = this.knex<Row>('instances').where({ deployment: w.deployment });
    if (w.instance_group) q.where({ instance_group: w.instance_group });
    return q;
  }

  async instancesHash(w: InstancesWatch): Promise<string> {
    // An aggregate without group by: always one row.
    const row = await this.instancesOf(w).first<{ digest: string }>(this.knex.raw(`${INSTANCE_HASH} as digest`));
    return row.digest;
  }

  /** CTS's `services` input: a map keyed by instance id. */
  async services(w: InstancesWatch): Promise<Record<string, ServiceEntry>> {
    const rows = await this.instancesOf(w)
      .orderBy('id')
      .select('id', 'deployment', 'instance_group', 'idx', 'bootstrap', 'state', 'container_id', 'vm_created_at');
    const out: Record<string, ServiceEntry> = {};
    for (const r of rows) {
      const created = dateColumn(r.vm_created_at);
      out[String(r.id)] = {
        id: String(r.id),
        name: String(r.instance_group),
        // Instances have no network of their own; their templates see this address too.
        address: '127.0.0.1',
        port: 0,
        status: r.state === 'started' ? 'passing' : 'critical',
        node: (r.container_id as string | null) ?? '',
        meta: {
          deployment: String(r.deployment),
          instance_group: String(r.instance_group),
          index: String(r.idx),
          bootstrap: String(Boolean(r.bootstrap)),
          state: String(r.state),
          vm_created_at: created ? created.toISOString() : '',
        },
        tags: [String(r.deployment), String(r.instance_group), ...(r.bootstrap ? ['bootstrap'] : [])],
      };
    }
    return out;
  }

  /** CTS's `consul_kv` input: secret name → value (json secrets as their JSON text). */
  async kv(w: SecretsWatch, store: SecretStore = this.secrets): Promise<Record<string, string>> {
    const out: Record<string, string> = {};
    for (const s of await store.listUnder(w.path, w.recurse))
      out[s.name] = typeof s.value === 'string' ? s.value : JSON.stringify(s.value);
    return out;
  }

  secretsFingerprint(w: SecretsWatch): Promise<string> {
    return this.secrets.versionsUnder(w.path, w.recurse);
  }

  secretsHash(kv: Record<string, string>): string {
    return crypto
      .createHmac('sha256', this.hmacKey)
      .update(JSON.stringify(Object.entries(kv)))
      .digest('hex');
  }

  /**
   * The watched data of a condition now. For instances the content hash is its own fingerprint; secrets
   * are decrypted and hashed only when their versions moved (`seenFingerprint` differs).
   */
  async observe(
    condition: Condition,
    seenFingerprint: string | null = null,
  ): Promise<Observation | 'unchanged' | null> {
    if ('instances' in condition) {
      const hash = await this.instancesHash(condition.instances);
      return hash === seenFingerprint ? 'unchanged' : { fingerprint: hash, hash };
    }
    if ('secrets' in condition) {
      const fingerprint = await this.secretsFingerprint(condition.secrets);
      if (fingerprint === seenFingerprint) return 'unchanged';
      return { fingerprint, hash: this.secretsHash(await this.kv(condition.secrets)) };
    }
    return null;
  }
}
