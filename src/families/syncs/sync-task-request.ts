import { z } from 'zod';
import { queryOnce } from '../../http/validate';
import { CronError, nextTick, normaliseCron } from '../../cron/cron-schedule';
import { formatDuration, parseDuration } from './durations';
import { badRequest, invalidField } from './sync-errors';
import type { BufferPeriod, Condition, ModuleInput, SyncTaskConfig } from './sync-task';

/** Task names as CTS takes them; they also name the task's serial queue and its Terraform module block. */
const NAME = /^(?!request_id$)[A-Za-z0-9_][A-Za-z0-9_-]{0,127}$/;
/** Variables become Terraform input variables of the module block, so they must be identifiers. */
const VARIABLE = /^[A-Za-z_][A-Za-z0-9_-]{0,127}$/;
/** Names a module block reserves, and the inputs bosun itself gives the module. */
const RESERVED_VARIABLES = new Set([
  'source',
  'version',
  'providers',
  'count',
  'for_each',
  'depends_on',
  'services',
  'consul_kv',
]);

const deployment = z.string().min(1).max(255);
const instancesWatch = z
  .object({ deployment, instance_group: z.string().min(1).max(255).nullable().optional() })
  .strict();
const secretsWatch = z.object({ path: z.string().min(1).max(1024), recurse: z.boolean().optional() }).strict();
const useAsInput = { use_as_module_input: z.boolean().optional() };

const conditionSchema = z
  .object({
    instances: instancesWatch.extend(useAsInput).strict().optional(),
    secrets: secretsWatch.extend(useAsInput).strict().optional(),
    schedule: z
      .object({ cron: z.string().min(1).max(256) })
      .strict()
      .optional(),
  })
  .strict();

const moduleInputSchema = z.object({ instances: instancesWatch.optional(), secrets: secretsWatch.optional() }).strict();
const bufferSchema = z
  .object({ enabled: z.boolean().optional(), min: z.string().max(32).optional(), max: z.string().max(32).optional() })
  .strict();

const taskSchema = z
  .object({
    name: z.string().regex(NAME, 'must be 1 to 128 letters, digits, _ or - (not starting with -, and not request_id)'),
    description: z.string().max(4096).optional(),
    enabled: z.boolean().optional(),
    module: z.string().min(1).max(1024),
    version: z.string().max(128).optional(),
    variables: z.record(z.string(), z.unknown()).optional(),
    providers: z.array(z.string().min(1).max(256)).max(64).optional(),
    condition: conditionSchema,
    module_input: moduleInputSchema.optional(),
    buffer_period: bufferSchema.optional(),
  })
  .strict();

const createSchema = z.object({ task: taskSchema }).strict();

const patchSchema = z
  .object({
    enabled: z.boolean().optional(),
    variables: z.record(z.string(), z.unknown()).optional(),
    module_input: moduleInputSchema.optional(),
    condition: conditionSchema.optional(),
    buffer_period: bufferSchema.optional(),
  })
  .strict();

export type TaskPatch = Partial<
  Pick<SyncTaskConfig, 'enabled' | 'variables' | 'module_input' | 'condition' | 'buffer_period'>
>;

export interface RequestLimits {
  maxVariablesBytes: number;
  defaultBuffer: BufferPeriod;
}

function firstProblem(error: z.ZodError, prefix: string): never {
  const issue = error.issues[0];
  const at = [prefix, ...issue.path.map(String)].filter(Boolean).join('.');
  if (issue.code === 'unrecognized_keys') {
    const fields = issue.keys.map((k) => (at ? `${at}.${k}` : k));
    throw invalidField(
      fields.join(', '),
      `unsupported field${fields.length > 1 ? 's' : ''}; request body's JSON contains unsupported keys`,
    );
  }
  throw invalidField(at || 'body', issue.message);
}

function object(raw: unknown): Record<string, unknown> {
  if (!raw || typeof raw !== 'object' || Array.isArray(raw)) throw badRequest('the request body must be a JSON object');
  // PostgreSQL's text and jsonb refuse NUL: such a body is a 400, not a database error.
  if (JSON.stringify(raw).includes('\\u0000')) throw badRequest('NUL characters are not allowed in the request body');
  return raw as Record<string, unknown>;
}

function checkVariables(
  variables: Record<string, unknown>,
  limits: RequestLimits,
  field = 'task.variables',
): Record<string, unknown> {
  const bytes = Buffer.byteLength(JSON.stringify(variables));
  if (bytes > limits.maxVariablesBytes)
    throw invalidField(field, `${bytes} bytes of JSON, more than the ${limits.maxVariablesBytes} allowed`);
  for (const key of Object.keys(variables)) {
    if (!VARIABLE.test(key))
      throw invalidField(
        `${field}.${key}`,
        'a variable name must be a Terraform identifier (letters, digits, _ and -, not starting with a digit)',
      );
    if (RESERVED_VARIABLES.has(key))
      throw invalidField(
        `${field}.${key}`,
        `'${key}' is reserved (a module block argument, or an input bosun gives the module)`,
      );
    if (variables[key] === null) throw invalidField(`${field}.${key}`, 'must not be null');
  }
  return variables;
}

function checkCondition(c: z.infer<typeof conditionSchema>, field: string): Condition {
  const kinds = (['instances', 'secrets', 'schedule'] as const).filter((k) => c[k] !== undefined);
  if (kinds.length !== 1) throw invalidField(field, 'must hold exactly one of instances, secrets, schedule');
  if (c.instances)
    return {
      instances: {
        deployment: c.instances.deployment,
        instance_group: c.instances.instance_group ?? null,
        use_as_module_input: c.instances.use_as_module_input ?? true,
      },
    };
  if (c.secrets)
    return {
      secrets: {
        path: secretPath(c.secrets.path, `${field}.secrets.path`),
        recurse: c.secrets.recurse ?? false,
        use_as_module_input: c.secrets.use_as_module_input ?? true,
      },
    };
  const cron = c.schedule!.cron;
  try {
    normaliseCron(cron);
  } catch (err) {
    if (err instanceof CronError) throw invalidField(`${field}.schedule.cron`, `not a cron expression: ${err.message}`);
    throw err;
  }
  if (!nextTick({ runAt: cron, timeZone: null, startDate: null, endDate: null }, new Date()))
    throw invalidField(`${field}.schedule.cron`, 'never fires');
  return { schedule: { cron } };
}

/** Secret names start with `/` as the store writes them; a trailing `/` of a recursive path is dropped. */
function secretPath(p: string, field: string): string {
  const name = (p.startsWith('/') ? p : `/${p}`).replace(/\/+$/, '') || '/';
  if (name.includes('//')) throw invalidField(field, 'must not hold an empty segment');
  return name;
}

function checkModuleInput(m: z.infer<typeof moduleInputSchema>, field: string): ModuleInput {
  const out: ModuleInput = {};
  if (m.instances)
    out.instances = { deployment: m.instances.deployment, instance_group: m.instances.instance_group ?? null };
  if (m.secrets)
    out.secrets = { path: secretPath(m.secrets.path, `${field}.secrets.path`), recurse: m.secrets.recurse ?? false };
  return out;
}

/** A condition and module_input may not both feed the module the same input. */
function checkInputs(condition: Condition, input: ModuleInput, field: string): void {
  if ('instances' in condition && condition.instances.use_as_module_input && input.instances) {
    throw invalidField(
      `${field}.instances`,
      'the condition already gives the module its instances; set condition.instances.use_as_module_input to false to give others',
    );
  }
  if ('secrets' in condition && condition.secrets.use_as_module_input && input.secrets) {
    throw invalidField(
      `${field}.secrets`,
      'the condition already gives the module its secrets; set condition.secrets.use_as_module_input to false to give others',
    );
  }
}

function checkBuffer(b: z.infer<typeof bufferSchema>, base: BufferPeriod, field: string): BufferPeriod {
  const min = b.min !== undefined ? parseDuration(b.min) : parseDuration(base.min);
  if (min === null) throw invalidField(`${field}.min`, 'must be a duration like 5s, 1m30s or 250ms');
  // CTS: max defaults to 4 × min when only min is given.
  const max = b.max !== undefined ? parseDuration(b.max) : b.min !== undefined ? 4 * min : parseDuration(base.max);
  if (max === null) throw invalidField(`${field}.max`, 'must be a duration like 5s, 1m30s or 250ms');
  if (max < min) throw invalidField(`${field}.max`, 'must not be shorter than min');
  if (max > 24 * 3_600_000) throw invalidField(`${field}.max`, 'must be at most 24h');
  return { enabled: b.enabled ?? base.enabled, min: formatDuration(min), max: formatDuration(max) };
}

/** `POST /v1/tasks`: the task object, every problem a 400 naming its field. The module is checked by the caller. */
export function parseCreate(raw: unknown, limits: RequestLimits): SyncTaskConfig {
  const parsed = createSchema.safeParse(object(raw));
  if (!parsed.success) firstProblem(parsed.error, '');
  const t = parsed.data.task;
  const condition = checkCondition(t.condition, 'task.condition');
  const moduleInput = checkModuleInput(t.module_input ?? {}, 'task.module_input');
  checkInputs(condition, moduleInput, 'task.module_input');
  return {
    name: t.name,
    description: t.description ?? '',
    enabled: t.enabled ?? true,
    module: t.module,
    version: t.version ?? '',
    variables: checkVariables(t.variables ?? {}, limits),
    providers: t.providers ?? [],
    condition,
    module_input: moduleInput,
    buffer_period: checkBuffer(t.buffer_period ?? {}, limits.defaultBuffer, 'task.buffer_period'),
  };
}

/**
 * `PATCH /v1/tasks/:name`: CTS takes only `enabled`; bosun also takes `variables`, `module_input`,
 * `condition` and `buffer_period` (each replacing the stored one; buffer_period's fields merged).
 */
export function parsePatch(raw: unknown, current: SyncTaskConfig, limits: RequestLimits): TaskPatch {
  const parsed = patchSchema.safeParse(object(raw));
  if (!parsed.success) firstProblem(parsed.error, '');
  const b = parsed.data;
  if (!Object.keys(b).length) throw invalidField('enabled', 'required');
  const patch: TaskPatch = {};
  if (b.enabled !== undefined) patch.enabled = b.enabled;
  if (b.variables !== undefined) patch.variables = checkVariables(b.variables, limits, 'variables');
  if (b.condition !== undefined) patch.condition = checkCondition(b.condition, 'condition');
  if (b.module_input !== undefined) patch.module_input = checkModuleInput(b.module_input, 'module_input');
  if (b.buffer_period !== undefined)
    patch.buffer_period = checkBuffer(b.buffer_period, current.buffer_period, 'buffer_period');
  checkInputs(patch.condition ?? current.condition, patch.module_input ?? current.module_input, 'module_input');
  return patch;
}

/** `?run=`: absent, `now` or `inspect`; anything else, or the parameter twice, is a 400 (as CTS). */
export const runOptionQuery = z.object({
  run: queryOnce('given more than once').transform((run, check) => {
    if (run === undefined) return null;
    if (run === 'now' || run === 'inspect') return run;
    check.addIssue({ code: 'custom', message: `must be now or inspect, not '${run}'` });
    return z.NEVER;
  }),
});
