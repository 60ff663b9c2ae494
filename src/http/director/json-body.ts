import type { z } from 'zod';
import { badRequest } from '../../errors/director-error';
import { jsonBodyParser } from '../json-body';
import type { AppContext } from '../context';
import { withBody, withInput, type InputProblem, type InputSchemas, type RouteInput } from '../validate';

/** JSON request bodies: at most 1 MB, objects or arrays only, no NUL characters; anything else is a 4xx. */
export const jsonBody = jsonBodyParser({
  notJson: () => badRequest(`Content-Type must be application/json`),
  bodyOptional: true,
  nul: (message) => badRequest(`Invalid request body: ${message}`),
});

/**
 * The Director's 400 for input that fails a route's schemas: a body as `Invalid request body: <problems>`;
 * a query parameter by its schema's own message (the Director's words for each parameter).
 */
const invalidInput = (p: InputProblem) =>
  badRequest(p.part === 'body' ? `Invalid request body: ${p.summary}` : p.message);

/** A Director route's handler with its query and JSON body (after `jsonBody`) checked against `schemas`. */
export function directorInput<S extends InputSchemas>(
  schemas: S,
  handler: (ctx: AppContext, input: RouteInput<S>) => Promise<void>,
) {
  return withInput(schemas, invalidInput, handler);
}

/** A Director route's handler with its JSON body checked against `schema` (after `jsonBody`). */
export function directorBody<S extends z.ZodType>(
  schema: S,
  handler: (ctx: AppContext, body: z.output<S>) => Promise<void>,
) {
  return withBody(schema, invalidInput, handler);
}
