import crypto from 'node:crypto';
import type { Next } from 'koa';
import type { AppContext } from '../../http/context';
import { errorBoundary } from '../../http/middleware/error-boundary';

/** An error of the Drydock API, answered in Drydock's shape `{"type":"error","message","retry"}`. */
export class DrydockError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly retry = false,
    /** More keys of the answer (a validation Status beside the error keys). */
    readonly extra: Record<string, unknown> = {},
  ) {
    super(message);
  }
}

export const badRequest = (message: string) => new DrydockError(400, message);
export const notFound = (message: string) => new DrydockError(404, message);

/** `{"type":"error","message","retry"}`, as Drydock's `return_error` writes it. */
export function renderDrydockError(
  ctx: AppContext,
  status: number,
  message: string,
  retry = false,
  extra: Record<string, unknown> = {},
): void {
  ctx.status = status;
  ctx.type = 'application/json';
  ctx.body = { ...extra, type: 'error', message, retry };
}

/**
 * Drydock stamps every answer with `X-Drydock-Req`, the request's id; bosun's own request id serves
 * when it is a UUID (it is), else a fresh one.
 */
export function drydockRequestId(ctx: AppContext): string {
  const id = ctx.state.requestId;
  return /^[0-9a-f-]{36}$/i.test(id ?? '') ? id : crypto.randomUUID();
}

export async function tagDrydockRequest(ctx: AppContext, next: Next) {
  ctx.set('X-Drydock-Req', drydockRequestId(ctx));
  await next();
}

export const drydockErrors = errorBoundary(
  (ctx, status, message, err) =>
    err instanceof DrydockError
      ? renderDrydockError(ctx, status, message, err.retry, err.extra)
      : renderDrydockError(ctx, status, message),
  (err) => (err instanceof DrydockError ? { status: err.status, message: err.message } : null),
);
