import type { Next } from 'koa';
import { koaBody } from 'koa-body';
import type { z } from 'zod';
import { badRequest } from '../../errors/director-error';
import type { AppContext } from '../context';
import { findNul, nulMessage } from '../nul-detector';
import { describeIssues, withBody } from '../validate';

/** JSON request bodies: at most 1 MB, objects or arrays only, no NUL characters; anything else is a 4xx. */
const parseJson = koaBody({
  json: true,
  urlencoded: false,
  text: false,
  multipart: false,
  jsonLimit: '1mb',
  jsonStrict: true,
});

export async function jsonBody(ctx: AppContext, next: Next) {
  if (ctx.request.length && !ctx.is('application/json')) {
    throw badRequest(`Content-Type must be application/json`);
  }
  await parseJson(ctx as never, async () => {
    const nul = findNul(ctx.request.body);
    if (nul) throw badRequest(`Invalid request body: ${nulMessage(nul)}`);
    await next();
  });
}

const invalidBody = (problems: string) => badRequest(`Invalid request body: ${problems}`);

/** Validates a parsed body, turning the first problems into one clear 400. */
export function parseBody<T>(schema: z.ZodType<T>, body: unknown): T {
  const r = schema.safeParse(body);
  if (r.success) return r.data;
  throw invalidBody(describeIssues(r.error));
}

/** A Director route's handler with its JSON body checked against `schema` (after `jsonBody`). */
export function directorBody<S extends z.ZodType>(
  schema: S,
  handler: (ctx: AppContext, body: z.output<S>) => Promise<void>,
) {
  return withBody(schema, invalidBody, handler);
}
