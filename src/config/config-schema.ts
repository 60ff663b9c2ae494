import { z } from 'zod';
import fs from 'node:fs';
import path from 'node:path';
import { limitsSchema } from '../docker/container-limits';
import { parseDuration } from '../families/syncs/durations';

const duration = z.string().refine((d) => parseDuration(d) !== null, 'must be a duration like 5s, 1m30s or 250ms');

/** The sync tasks' section: where Terraform and local modules are, and how runs are kept and buffered. */
const syncsSchema = z
  .object({
    terraform: z.string().min(1).nullable(),
    modules_root: z
      .string()
      .min(1)
      .nullable()
      .superRefine((root, ctx) => {
        if (root === null) return;
        if (!path.isAbsolute(root)) return ctx.addIssue({ code: 'custom', message: 'must be an absolute path' });
        let isDir = false;
        try {
          isDir = fs.statSync(root).isDirectory();
        } catch {
          // reported below
        }
        if (!isDir) ctx.addIssue({ code: 'custom', message: `${root} is not a directory` });
      }),
    events_per_task: z.number().int().min(1).max(1000),
    watch_interval_ms: z.number().int().min(20).max(60_000),
    buffer_period: z.object({ enabled: z.boolean(), min: duration, max: duration }).strict(),
    max_variables_bytes: z
      .number()
      .int()
      .min(1024)
      .max(16 * 1024 * 1024),
    max_module_bytes: z
      .number()
      .int()
      .min(1024)
      .max(256 * 1024 * 1024),
  })
  .strict()
  .refine((s) => parseDuration(s.buffer_period.max)! >= parseDuration(s.buffer_period.min)!, {
    path: ['buffer_period', 'max'],
    message: 'must not be shorter than buffer_period.min',
  });

const scope = z.enum(['bosh.admin', 'bosh.read']);

export const userSchema = z
  .object({
    name: z.string().min(1),
    password: z.string().min(1).optional(),
    password_hash: z.string().startsWith('scrypt$').optional(),
    scopes: z.array(scope).min(1).default(['bosh.admin']),
  })
  .strict()
  .refine((u) => (u.password === undefined) !== (u.password_hash === undefined), {
    message: 'a user needs exactly one of password and password_hash',
  });

export const configSchema = z
  .object({
    name: z.string().min(1),
    bind: z.string().min(1),
    port: z.number().int().min(0).max(65535),
    data_dir: z.string().min(1),
    node_id: z.string().min(1).max(128).nullable(),
    database: z
      .object({
        url: z
          .string()
          .regex(/^postgres(ql)?:\/\//, 'must be a postgres:// URL')
          .nullable(),
        pool_size: z.number().int().min(2).max(200),
      })
      .strict(),
    tls: z
      .object({ cert: z.string().min(1).nullable(), key: z.string().min(1).nullable() })
      .strict()
      .refine((t) => (t.cert === null) === (t.key === null), {
        message: 'cert and key must be given together',
      }),
    admin_password: z.string().min(1).nullable(),
    users: z.array(userSchema),
    auth: z
      .object({
        token_seconds: z.number().int().min(10).max(86_400),
        refresh_token_seconds: z.number().int().min(60),
        failed_logins: z
          .object({
            per_source: z.number().int().min(1),
            per_user: z.number().int().min(1),
            window_seconds: z.number().positive(),
          })
          .strict(),
      })
      .strict(),
    workers: z.number().int().min(1).max(256),
    tasks: z
      .object({
        checkpoint_interval_seconds: z.number().positive(),
        timeout_seconds: z.number().positive(),
        poll_interval_ms: z.number().int().min(10),
        retention_per_type: z.number().int().min(1),
      })
      .strict()
      .refine((t) => t.timeout_seconds >= 2 * t.checkpoint_interval_seconds, {
        message: 'timeout_seconds must be at least twice checkpoint_interval_seconds',
      }),
    shutdown: z.object({ grace_seconds: z.number().min(0) }).strict(),
    secrets: z
      .object({
        key: z
          .string()
          .refine(
            (k) => Buffer.from(k, 'base64').length === 32 && /^[A-Za-z0-9+/]+=*$/.test(k),
            'must be base64 of 32 bytes',
          )
          .nullable(),
      })
      .strict(),
    docker: z
      .object({
        socket: z.string().min(1),
        network: z.string().min(1),
        stop_grace_seconds: z.number().int().min(0).max(3600),
        limits: limitsSchema,
        max_limits: limitsSchema,
        no_new_privileges: z.boolean(),
        cap_drop: z
          .array(z.string().regex(/^(ALL|[A-Z_]+)$/, 'must be a capability name like NET_RAW, or ALL'))
          .max(64),
        allowed_registries: z
          .array(
            z
              .string()
              .regex(
                /^[a-z0-9.-]+(:\d+)?$/i,
                'must be a registry host, with its port if any (docker.io, registry.example.com:5000)',
              ),
          )
          .max(256),
      })
      .strict()
      .superRefine((d, ctx) => {
        // The defaults apply to every job that asks for nothing, so they must be within what jobs may ask.
        for (const key of ['memory', 'pids', 'cpus'] as const) {
          if (d.limits[key] > d.max_limits[key]) {
            ctx.addIssue({ code: 'custom', path: ['limits', key], message: `must not exceed max_limits.${key}` });
          }
        }
      }),
    drydock: z
      .object({
        node_parallelism: z.number().int().min(1).max(256),
        unit_timeout_seconds: z.number().min(1).max(86_400),
        report_url: z.string().min(1),
      })
      .strict(),
    templates: z
      .object({
        workers: z.number().int().min(1).max(64),
        deadline_seconds: z.number().positive().max(3600),
        max_old_generation_mb: z.number().int().min(16).max(16_384),
        max_young_generation_mb: z.number().int().min(1).max(1024),
        stack_size_mb: z.number().min(1).max(64),
      })
      .strict(),
    syncs: syncsSchema,
    log_level: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']),
  })
  .strict();

export type RawConfig = z.infer<typeof configSchema>;
export type UserConfig = z.infer<typeof userSchema>;
