import { z } from 'zod';
import type { ScheduledOperation } from '../family';
import { CronError, isTimeZone, normaliseCron } from '../../cron/cron-schedule';
import { JobConfig, JobConfigFields, MISFIRE_POLICIES } from './job-config';
import { parseRfc3339 } from './list-query';
import { badRequest, invalidParam } from '../../http/ciphertrust/ciphertrust-errors';

const dateField = z.string().max(64).nullable();

/** The fields a client may change with PATCH; the rest (`operation`, ids, times) are fixed once created. */
const mutable = {
  name: z.string().trim().min(1).max(256),
  description: z.string().max(4096).nullable(),
  run_at: z.string().min(1).max(256),
  time_zone: z.string().min(1).max(64).nullable(),
  run_on: z
    .string()
    .trim()
    .min(1)
    .max(255)
    .regex(/^[\w.\-:@]+$/, 'must be any or a node id'),
  start_date: dateField,
  end_date: dateField,
  disabled: z.boolean(),
  misfire: z.enum(MISFIRE_POLICIES),
  allow_overlap: z.boolean(),
  job_config_params: z.record(z.string(), z.unknown()),
};

const createSchema = z
  .object({
    ...Object.fromEntries(Object.entries(mutable).map(([k, v]) => [k, v.optional()])),
    name: mutable.name,
    run_at: mutable.run_at,
    operation: z.string().min(1).max(128),
  })
  .strict();

const patchSchema = z.object(Object.fromEntries(Object.entries(mutable).map(([k, v]) => [k, v.optional()]))).strict();

type Body = Record<string, unknown>;

/** PostgreSQL's text and jsonb refuse NUL: such a body is a 400, not a database error. */
function rejectNul(body: unknown): void {
  if (JSON.stringify(body).includes('\\u0000')) throw badRequest('NUL characters are not allowed in the body');
}

function firstProblem(error: z.ZodError, prefix = ''): never {
  const issue = error.issues[0];
  if (issue.code === 'unrecognized_keys') {
    const keys = issue.keys.map((k) => `${prefix}${k}`);
    throw invalidParam(keys.join(', '), `unknown or unchangeable field${keys.length > 1 ? 's' : ''}`);
  }
  const field = `${prefix}${issue.path.join('.')}`.replace(/\.$/, '') || (prefix ? prefix.replace(/\.$/, '') : 'body');
  throw invalidParam(field, issue.message);
}

/**
 * The seed spells an operation's params `<operation>_params`; bosun's own name is `job_config_params`.
 * Either is taken, not both.
 */
function unifyParams(body: Body, operation: string | undefined): Body {
  if (!operation) return body;
  const seedName = `${operation}_params`;
  if (!(seedName in body)) return body;
  if ('job_config_params' in body)
    throw invalidParam(`job_config_params, ${seedName}`, 'mutually exclusive: give the params once');
  const { [seedName]: params, ...rest } = body;
  return { ...rest, job_config_params: params };
}

function dateOf(field: string, v: string | null | undefined): Date | null | undefined {
  if (v === undefined || v === null) return v;
  const d = parseRfc3339(v);
  if (!d) throw invalidParam(field, 'must be a date in RFC 3339 (2026-01-31T12:00:00Z), or null');
  return d;
}

function checkSchedule(f: {
  runAt: string;
  timeZone: string | null;
  startDate: Date | null;
  endDate: Date | null;
}): void {
  try {
    normaliseCron(f.runAt);
  } catch (err) {
    if (err instanceof CronError) throw invalidParam('run_at', `not a cron expression: ${err.message}`);
    throw err;
  }
  if (f.timeZone !== null && !isTimeZone(f.timeZone))
    throw invalidParam('time_zone', `unknown IANA time zone '${f.timeZone}'`);
  if (f.startDate && f.endDate && f.endDate.getTime() <= f.startDate.getTime())
    throw invalidParam('end_date', 'must be after start_date');
}

function checkParams(op: ScheduledOperation, params: unknown): Record<string, unknown> {
  const parsed = op.params.safeParse(params);
  if (!parsed.success) firstProblem(parsed.error, 'job_config_params.');
  return params as Record<string, unknown>;
}

export type OperationLookup = (name: string) => ScheduledOperation | undefined;

/** `POST /job-configs`: the config's fields, every problem a 400 naming its field. */
export function parseCreate(raw: unknown, operations: OperationLookup, knownNames: string[]): JobConfigFields {
  if (!raw || typeof raw !== 'object' || Array.isArray(raw)) throw badRequest('The body must be a JSON object');
  rejectNul(raw);
  const body = unifyParams(
    raw as Body,
    typeof (raw as Body).operation === 'string' ? ((raw as Body).operation as string) : undefined,
  );
  const parsed = createSchema.safeParse(body);
  if (!parsed.success) firstProblem(parsed.error);
  const b = parsed.data as Body & { name: string; run_at: string; operation: string };
  const op = operations(b.operation);
  if (!op) throw invalidParam('operation', `unknown operation '${b.operation}'; schedulable: ${knownNames.join(', ')}`);
  const fields: JobConfigFields = {
    name: b.name,
    description: (b.description as string | null | undefined) ?? '',
    operation: b.operation,
    params: checkParams(op, b.job_config_params ?? {}),
    runAt: b.run_at,
    timeZone: (b.time_zone as string | null | undefined) ?? null,
    runOn: (b.run_on as string | undefined) ?? 'any',
    startDate: dateOf('start_date', b.start_date as string | null | undefined) ?? null,
    endDate: dateOf('end_date', b.end_date as string | null | undefined) ?? null,
    disabled: (b.disabled as boolean | undefined) ?? false,
    misfire: (b.misfire as JobConfigFields['misfire'] | undefined) ?? 'skip',
    allowOverlap: (b.allow_overlap as boolean | undefined) ?? false,
  };
  checkSchedule(fields);
  return fields;
}

/**
 * `PATCH /job-configs/{id}`: the changed fields. Params are merged into the stored ones (the seed's
 * example changes `kms` and keeps `cloud_name`), then validated whole; a null date clears it.
 */
export function parsePatch(raw: unknown, current: JobConfig, operations: OperationLookup): Partial<JobConfigFields> {
  if (!raw || typeof raw !== 'object' || Array.isArray(raw)) throw badRequest('The body must be a JSON object');
  rejectNul(raw);
  const body = unifyParams(raw as Body, current.operation);
  const parsed = patchSchema.safeParse(body);
  if (!parsed.success) firstProblem(parsed.error);
  const b = parsed.data as Body;
  const change: Partial<JobConfigFields> = {};
  if (b.name !== undefined) change.name = b.name as string;
  if (b.description !== undefined) change.description = (b.description as string | null) ?? '';
  if (b.run_at !== undefined) change.runAt = b.run_at as string;
  if (b.time_zone !== undefined) change.timeZone = b.time_zone as string | null;
  if (b.run_on !== undefined) change.runOn = b.run_on as string;
  if (b.start_date !== undefined) change.startDate = dateOf('start_date', b.start_date as string | null) ?? null;
  if (b.end_date !== undefined) change.endDate = dateOf('end_date', b.end_date as string | null) ?? null;
  if (b.disabled !== undefined) change.disabled = b.disabled as boolean;
  if (b.misfire !== undefined) change.misfire = b.misfire as JobConfigFields['misfire'];
  if (b.allow_overlap !== undefined) change.allowOverlap = b.allow_overlap as boolean;
  if (b.job_config_params !== undefined) {
    const op = operations(current.operation);
    if (!op) throw invalidParam('job_config_params', `the operation '${current.operation}' is no longer schedulable`);
    change.params = checkParams(op, { ...current.params, ...(b.job_config_params as Body) });
  }
  checkSchedule({
    runAt: change.runAt ?? current.runAt,
    timeZone: change.timeZone !== undefined ? change.timeZone : current.timeZone,
    startDate: change.startDate !== undefined ? change.startDate : current.startDate,
    endDate: change.endDate !== undefined ? change.endDate : current.endDate,
  });
  return change;
}

/** Whether a change moves the config's ticks (its next run is then computed afresh). */
export function changesSchedule(c: Partial<JobConfigFields>): boolean {
  return ['runAt', 'timeZone', 'startDate', 'endDate', 'disabled'].some((k) => k in c);
}
