import type { Next } from 'koa';
import { badRequest } from '../../errors/director-error';
import type { AppContext } from '../context';

const hasControl = (s: string) => s.includes('\u0000');

/**
 * Names, ids and filters from the path and query end up compared with text columns, and PostgreSQL
 * refuses a NUL byte in text: such a request is a 400, not a database error.
 */
export async function rejectNulBytes(ctx: AppContext, next: Next) {
  let segments: string[];
  try {
    segments = ctx.path.split('/').map((s) => decodeURIComponent(s));
  } catch {
    throw badRequest('The path is not valid percent-encoding');
  }
  const values = Object.values(ctx.query).flatMap((v) => (Array.isArray(v) ? v : [v ?? '']));
  if ([...segments, ...values].some(hasControl)) throw badRequest('NUL bytes are not allowed in the path or the query');
  await next();
}
