import { z } from 'zod';

/** The `templates:` section: the worker threads job templates render in, and what one render may use. */
export const templatesConfigSchema = z
  .object({
    workers: z.number().int().min(1).max(64),
    deadline_seconds: z.number().positive().max(3600),
    max_old_generation_mb: z.number().int().min(16).max(16_384),
    max_young_generation_mb: z.number().int().min(1).max(1024),
    stack_size_mb: z.number().min(1).max(64),
  })
  .strict();
