import { z } from 'zod';

/**
 * The shapes the BOSH CLI (v7.1.0) decodes, as zod schemas: Go's encoding/json fails on a type
 * mismatch (a number where a string is declared, a float where an int is), never on a missing key.
 * Optional keys here are ones the CLI tolerates missing.
 */

const int = z.number().int();
const semiSemantic = z.string().regex(/^[0-9A-Za-z_.]+(-[0-9A-Za-z_\-.]+)?(\+[0-9A-Za-z_\-.]+)?$/);
const nullableString = z.string().nullable().optional();

export const taskShort = z.object({ id: int, state: z.string() });

export const taskHash = z.object({
  id: int,
  state: z.string(),
  description: z.string(),
  timestamp: int.nullable(),
  started_at: int.nullable(),
  result: nullableString,
  user: z.string(),
  deployment: nullableString,
  context_id: z.string(),
});

/** ui/task/event.go: a mismatch makes the CLI panic while rendering. */
export const taskEvent = z.object({
  time: int,
  type: z.string().optional(),
  message: z.string().optional(),
  state: z.string().optional(),
  stage: z.string().optional(),
  task: z.string().optional(),
  tags: z.array(z.string()).optional(),
  total: int.nullable().optional(),
  index: int.optional(),
  progress: int.optional(),
  data: z.object({ error: z.string().optional(), status: z.string().optional() }).optional(),
  error: z.object({ code: int, message: z.string() }).optional(),
});

export const info = z.object({
  name: z.string(),
  uuid: z.string(),
  version: z.string(),
  user: z.string().nullable(),
  cpi: z.string(),
  user_authentication: z.object({ type: z.enum(['basic', 'uaa']), options: z.record(z.string(), z.unknown()) }),
  features: z.record(z.string(), z.object({ status: z.boolean() }).passthrough()),
});

export const stemcells = z.array(
  z.object({
    name: z.string(),
    version: semiSemantic,
    operating_system: z.string(),
    cid: z.string(),
    cpi: z.string(),
    deployments: z.array(z.unknown()),
  }),
);

export const releaseSeries = z.array(
  z.object({
    name: z.string(),
    release_versions: z.array(
      z.object({
        version: semiSemantic,
        commit_hash: z.string(),
        uncommitted_changes: z.boolean(),
        currently_deployed: z.boolean(),
        job_names: z.array(z.string()),
      }),
    ),
  }),
);

export const deployments = z.array(
  z.object({
    name: z.string(),
    releases: z.array(z.object({ name: z.string(), version: semiSemantic })),
    stemcells: z.array(z.object({ name: z.string(), version: semiSemantic })),
    teams: z.array(z.string()),
  }),
);

export const diff = z.object({
  context: z.record(z.string(), z.unknown()),
  diff: z.array(z.array(z.string().nullable()).min(2)),
});

export const vmInfo = z.object({
  agent_id: z.string(),
  job_name: z.string(),
  id: z.string(),
  index: int.nullable(),
  job_state: z.string(),
  active: z.boolean().nullable(),
  bootstrap: z.boolean(),
  ips: z.array(z.string()),
  az: z.string(),
  state: z.string(),
  vm_cid: z.string(),
  vm_type: z.string(),
  disk_cid: z.string().nullable(),
  disk_cids: z.array(z.string()),
  ignore: z.boolean(),
  vm_created_at: z.string(),
  processes: z.array(
    z.object({
      name: z.string(),
      state: z.string(),
      cpu: z.object({ total: z.number() }),
      mem: z.object({ kb: int.min(0), percent: z.number() }),
      uptime: z.object({ secs: int.min(0) }),
    }),
  ),
  vitals: z
    .object({
      cpu: z.object({ sys: z.string(), user: z.string(), wait: z.string() }),
      mem: z.object({ kb: z.string(), percent: z.string() }),
      swap: z.object({ kb: z.string(), percent: z.string() }),
      load: z.array(z.string()),
      disk: z.record(z.string(), z.object({ percent: z.string(), inode_percent: z.string() })),
    })
    .partial(),
  resurrection_paused: z.boolean(),
  stemcell: z.object({ name: z.string(), version: z.string(), api_version: int.nullable() }),
});

export const errandRun = z.object({
  exit_code: int,
  stdout: z.string(),
  stderr: z.string(),
  logs: z.object({ blobstore_id: z.string(), sha1: z.string() }),
});

export const locks = z.array(
  z.object({
    type: z.string(),
    resource: z.array(z.string()),
    timeout: z.string().refine((s) => Number.isFinite(parseFloat(s))),
    task_id: z.string(),
  }),
);

export const events = z.array(
  z.object({
    id: z.string(),
    parent_id: z.string().optional(),
    timestamp: int,
    user: z.string().optional(),
    action: z.string(),
    object_type: z.string(),
    object_name: z.string().optional(),
    task: z.string().optional(),
    deployment: z.string().optional(),
    instance: z.string().optional(),
    context: z.record(z.string(), z.unknown()),
    error: z.string().optional(),
  }),
);
