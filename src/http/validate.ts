import type { z } from 'zod';
import type { AppContext } from './context';

/** The first problems of a failed check, each `path: message` (`body` for the whole), joined by `; `. */
export function describeIssues(error: z.ZodError): string {
  return error.issues
    .slice(0, 5)
    .map((i) => `${i.path.join('.') || 'body'}: ${i.message}`)
    .join('; ');
}

/**
 * A route's input checked in one place: the parsed body (none counts as `{}`) against `schema`, kept
 * beside the route, and the handler called with it typed. A mismatch is `invalid(problems)`: the
 * family's own 400.
 */
export function withBody<S extends z.ZodType>(
  schema: S,
  invalid: (problems: string) => Error,
  handler: (ctx: AppContext, body: z.output<S>) => Promise<void>,
) {
  return async function validateBody(ctx: AppContext) {
    const r = schema.safeParse(ctx.request.body ?? {});
    if (!r.success) throw invalid(describeIssues(r.error));
    await handler(ctx, r.data);
  };
}
