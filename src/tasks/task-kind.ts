import type { z } from 'zod';

/**
 * A task type with the schema of its parameters. Its operation runs it (`defineOperation({ ...kind, run })`);
 * a route starts it with `startTask`, which checks the parameters against the schema's input at compile time.
 */
export interface TaskKind<S extends z.ZodType = z.ZodType> {
  readonly type: string;
  readonly params: S;
}

export function taskKind<S extends z.ZodType>(type: string, params: S): TaskKind<S> {
  return { type, params };
}
