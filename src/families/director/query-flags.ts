import type { AppContext } from '../../http/context';

/** A query flag as the CLI sends it: `?force=true`. */
export function flag(ctx: AppContext, name: string): boolean {
  const v = ctx.query[name];
  const s = Array.isArray(v) ? v[0] : v;
  return s === 'true' || s === '1' || s === 'yes';
}

/** One query parameter (the first when repeated), or undefined. */
export function queryParam(ctx: AppContext, name: string): string | undefined {
  const v = ctx.query[name];
  return Array.isArray(v) ? v[0] : v;
}
