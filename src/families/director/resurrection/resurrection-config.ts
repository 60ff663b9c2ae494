import { z } from 'zod';

/** The `resurrection:` section: whether the resurrector runs, how often it sweeps, and its back-off. */
export const resurrectionConfigSchema = z
  .object({
    enabled: z.boolean(),
    sweep_seconds: z.number().positive().max(86_400),
    window_seconds: z.number().positive().max(86_400),
    backoff_after: z.number().int().min(1).max(1000),
    backoff_base_seconds: z.number().min(0).max(86_400),
    backoff_max_seconds: z.number().min(0).max(86_400),
  })
  .strict();
