import type { Next } from 'koa';
import type { AppContext } from '../context';

/** How one API family writes an error body. */
export type ErrorRenderer = (ctx: AppContext, status: number, message: string, err: unknown) => void;

/** A request body whose Content-Encoding does not decode: zlib's (`Z_…`) and brotli's (`ERR__ERROR_…`) stream errors. */
function isUndecodableBody(err: unknown): boolean {
  const code = (err as { code?: unknown }).code;
  return typeof code === 'string' && (/^Z_[A-Z_]+$/.test(code) || code.startsWith('ERR__ERROR_'));
}

/** Errors from body parsing and the like carry an HTTP status and a message safe to show. */
function clientStatus(err: unknown): number | null {
  if (isUndecodableBody(err)) return 400;
  const status =
    (err as { status?: number; statusCode?: number }).status ?? (err as { statusCode?: number }).statusCode;
  return typeof status === 'number' && status >= 400 && status < 500 ? status : null;
}

function clientMessage(err: unknown, status: number): string {
  const type = (err as { type?: string }).type;
  if (status === 413 || type === 'entity.too.large') return 'Request body is too large';
  if (type === 'entity.parse.failed') return 'Request body is not valid JSON';
  if (status === 415) return 'Unsupported content type';
  if (isUndecodableBody(err)) return 'Request body does not decode as its Content-Encoding says';
  return (err as Error).message || 'Bad request';
}

/**
 * Catches what a family's handlers throw: the family's own errors render themselves through
 * `render`; client errors from the framework (bad JSON, too large) become that family's 4xx; anything
 * else is logged and answered 500 without details.
 */
export function errorBoundary(
  render: ErrorRenderer,
  isOwnError: (err: unknown) => { status: number; message: string } | null,
) {
  return async function catchErrors(ctx: AppContext, next: Next) {
    try {
      await next();
    } catch (err) {
      const own = isOwnError(err);
      if (own) return render(ctx, own.status, own.message, err);
      const status = clientStatus(err);
      if (status) return render(ctx, status, clientMessage(err, status), err);
      ctx.state.log.error({ err }, 'unexpected error');
      ctx.status = 500;
      ctx.body = '';
    }
  };
}
