import type { Next } from 'koa';
import { koaBody } from 'koa-body';
import type { AppContext } from './context';
import { findNul, nulMessage } from './nul-detector';

/** How one family reads JSON request bodies; each answer is the family's own error. */
export interface JsonBodyRules {
  /** The answer to a body that is not `application/json`. */
  notJson: () => Error;
  /** A request with no body passes whatever its Content-Type (and reads as no body), as the Director's do. */
  bodyOptional?: boolean;
  /** The largest body koa-body reads (`'1mb'` unless set); past it koa-body answers 413. */
  limit?: string;
  /** Only objects and arrays (koa-body's `jsonStrict`); true unless set. */
  objectsOnly?: boolean;
  /** When set, a parsed body holding a NUL character is refused with this answer. */
  nul?: (message: string) => Error;
}

/**
 * The one JSON body parser (koa-body) every family's routes use, with the family's rules: the parsed body
 * is on `ctx.request.body` for the route's schema (see withInput in validate.ts).
 */
export function jsonBodyParser(rules: JsonBodyRules) {
  const parse = koaBody({
    json: true,
    urlencoded: false,
    text: false,
    multipart: false,
    jsonLimit: rules.limit ?? '1mb',
    jsonStrict: rules.objectsOnly ?? true,
  });
  return async function parseJsonBody(ctx: AppContext, next: Next) {
    if ((!rules.bodyOptional || ctx.request.length) && !ctx.is('application/json')) throw rules.notJson();
    await parse(ctx, async () => {
      const nul = rules.nul && findNul(ctx.request.body);
      if (nul) throw rules.nul!(nulMessage(nul));
      await next();
    });
  };
}
