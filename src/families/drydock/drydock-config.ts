import { z } from 'zod';

/** The `drydock:` section: how many nodes a task works on at once, and how nodes report their boot actions. */
export const drydockConfigSchema = z
  .object({
    node_parallelism: z.number().int().min(1).max(256),
    unit_timeout_seconds: z.number().min(1).max(86_400),
    report_url: z.string().min(1),
  })
  .strict();
