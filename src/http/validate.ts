import { z } from 'zod';
import type { AppContext } from './context';

/** The first problems of a failed check, each `path: message` (`body` for the whole), joined by `; `. */
export function describeIssues(error: z.ZodError): string {
  return error.issues
    .slice(0, 5)
    .map((i) => `${i.path.join('.') || 'body'}: ${i.message}`)
    .join('; ');
}

/** What was wrong with a request's input, for a family to render in its own error shape. */
export interface InputProblem {
  /** Which part failed its schema. */
  part: 'query' | 'body';
  /** The first failing field (`a.b.0`), empty for the part as a whole. */
  field: string;
  /** The first issue's message: a schema that sets its own messages gets exactly them here. */
  message: string;
  /** The first few issues, `path: message; ...` (see describeIssues). */
  summary: string;
}

/** Turns a problem into the family's own 4xx (an error its error boundary renders). */
export type InvalidInput = (problem: InputProblem) => Error;

/** The schemas of one route, kept beside it: its query string and its (already parsed) body. */
export interface InputSchemas {
  query?: z.ZodType;
  body?: z.ZodType;
}

type Checked<S extends InputSchemas, K extends keyof InputSchemas, Otherwise> = S[K] extends z.ZodType
  ? z.output<S[K]>
  : Otherwise;

/** A handler's input, typed by its schemas; a part without a schema is left as it came. */
export interface RouteInput<S extends InputSchemas> {
  query: Checked<S, 'query', AppContext['query']>;
  body: Checked<S, 'body', unknown>;
}

function check(schema: z.ZodType, value: unknown, part: InputProblem['part'], invalid: InvalidInput): unknown {
  const r = schema.safeParse(value);
  if (r.success) return r.data;
  const first = r.error.issues[0];
  throw invalid({
    part,
    field: first?.path.join('.') ?? '',
    message: first?.message ?? 'invalid',
    summary: describeIssues(r.error),
  });
}

/**
 * A route's input checked in one place: the query string and the parsed body (none counts as `{}`) against
 * the route's schemas, the query before the body, and the handler called with both typed. A mismatch is
 * `invalid(problem)`, the family's own 4xx, and the handler does not run.
 */
export function withInput<S extends InputSchemas>(
  schemas: S,
  invalid: InvalidInput,
  handler: (ctx: AppContext, input: RouteInput<S>) => Promise<void>,
) {
  return async function validateInput(ctx: AppContext) {
    const query = schemas.query ? check(schemas.query, ctx.query, 'query', invalid) : ctx.query;
    const body = schemas.body ? check(schemas.body, ctx.request.body ?? {}, 'body', invalid) : ctx.request.body;
    await handler(ctx, { query, body } as RouteInput<S>);
  };
}

/** `withInput` with a body schema only: the handler gets the body itself. */
export function withBody<S extends z.ZodType>(
  schema: S,
  invalid: InvalidInput,
  handler: (ctx: AppContext, body: z.output<S>) => Promise<void>,
) {
  return async function validateBody(ctx: AppContext) {
    await handler(ctx, check(schema, ctx.request.body ?? {}, 'body', invalid) as z.output<S>);
  };
}

/** A query parameter as a string: the first value when it is repeated (`?a=1&a=2`), else undefined. */
export const queryText = z.preprocess((v) => (Array.isArray(v) ? (v as unknown[])[0] : v), z.string().optional());

/** A query parameter given at most once, as a string; repeated, it fails with `message`. */
export const queryOnce = (message: string) =>
  z
    .unknown()
    .optional()
    .transform((v, check) => {
      if (v === undefined || typeof v === 'string') return v;
      check.addIssue({ code: 'custom', message });
      return z.NEVER;
    });

/** A query flag as the BOSH CLI sends it (`?force=true`; `1` and `yes` count too); anything else is false. */
export const queryFlag = queryText.transform((s) => s === 'true' || s === '1' || s === 'yes');
