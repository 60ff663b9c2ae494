/**
 * A sync task as stored: the CTS task object (its wire shape lives in sync-presenters.ts). Conditions
 * watch bosun's own data: the instances of a deployment (as CTS watches Consul's service catalog), the
 * paths of the secret store (as Consul KV), or a cron schedule.
 */

export interface InstancesWatch {
  deployment: string;
  /** One instance group of the deployment; null: all of them. */
  instance_group: string | null;
}

export interface SecretsWatch {
  path: string;
  /** Every secret under `path/` as well as `path` itself (CTS's consul_kv `recurse`). */
  recurse: boolean;
}

export type Condition =
  | { instances: InstancesWatch & { use_as_module_input: boolean } }
  | { secrets: SecretsWatch & { use_as_module_input: boolean } }
  | { schedule: { cron: string } };

/** Data a run hands the module besides what its condition watches. */
export interface ModuleInput {
  instances?: InstancesWatch;
  secrets?: SecretsWatch;
}

export interface BufferPeriod {
  enabled: boolean;
  /** Durations as CTS writes them (`5s`). */
  min: string;
  max: string;
}

export interface SyncTaskConfig {
  name: string;
  description: string;
  enabled: boolean;
  module: string;
  version: string;
  variables: Record<string, unknown>;
  providers: string[];
  condition: Condition;
  module_input: ModuleInput;
  buffer_period: BufferPeriod;
}

export interface SyncTask extends SyncTaskConfig {
  createdBy: string;
  /** Marked by DELETE: gone once no run of it is queued or running. */
  deleting: boolean;
  pending: boolean;
  createdAt: Date;
  updatedAt: Date;
}

/** A module uploaded with POST /v1/modules is named in a task's `module` as `bosun://modules/<name>`. */
export const UPLOADED_MODULE_PREFIX = 'bosun://modules/';

export const conditionKind = (c: Condition): 'instances' | 'secrets' | 'schedule' =>
  'instances' in c ? 'instances' : 'secrets' in c ? 'secrets' : 'schedule';

/** What a run feeds the module: the watched data as `services` (instances) and `consul_kv` (secrets). */
export function moduleInputs(t: Pick<SyncTaskConfig, 'condition' | 'module_input'>): {
  instances: InstancesWatch | null;
  secrets: SecretsWatch | null;
} {
  const c = t.condition;
  const instances =
    'instances' in c && c.instances.use_as_module_input ? c.instances : (t.module_input.instances ?? null);
  const secrets = 'secrets' in c && c.secrets.use_as_module_input ? c.secrets : (t.module_input.secrets ?? null);
  return {
    instances: instances && { deployment: instances.deployment, instance_group: instances.instance_group },
    secrets: secrets && { path: secrets.path, recurse: secrets.recurse },
  };
}

/** The serial queue of a sync task's runs: two runs of one task never overlap, on any node. */
export const syncQueue = (name: string) => `sync:${name}`;

export const SYNC_RUN_TYPE = 'sync_task_run';
export const SYNC_INSPECT_TYPE = 'sync_task_inspect';
