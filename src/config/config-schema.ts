import { z } from 'zod';
import { limitsSchema } from '../docker/container-limits';
import { FAMILY_CONFIG_SECTIONS } from '../families/family-config-sections';

const scope = z.enum(['bosh.admin', 'bosh.read', 'bosun.metrics']);

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
        retention_interval_seconds: z.number().positive(),
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
    log_level: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']),
    // Each family's own section (templates, drydock, syncs), defined in the family's folder.
    ...FAMILY_CONFIG_SECTIONS,
  })
  .strict();

export type RawConfig = z.infer<typeof configSchema>;
export type UserConfig = z.infer<typeof userSchema>;
