import fs from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import { parseDuration } from './durations';

const duration = z.string().refine((d) => parseDuration(d) !== null, 'must be a duration like 5s, 1m30s or 250ms');

/** The `syncs:` section: where Terraform and local modules are, and how runs are kept and buffered. */
export const syncsConfigSchema = z
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
