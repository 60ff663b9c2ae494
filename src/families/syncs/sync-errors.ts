import type { Next } from 'koa';
import type { InputProblem } from '../../http/validate';
import type { AppContext } from '../../http/context';
import { errorBoundary } from '../../http/middleware/error-boundary';

/**
 * An error of the sync task API, in CTS's shape `{"error":{"message":...},"request_id":...}`. Its
 * client parses an error body only when the Content-Type is exactly `application/json`, so every answer
 * of the family is written with that header and no charset (see `answerJson`).
 */
export class SyncError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

/** A 400 naming the field (or query parameter) at fault. */
export const invalidField = (field: string, problem: string) => new SyncError(400, `invalid ${field}: ${problem}`);
/** The syncs family's 400 for a query parameter or body field that fails its schema, naming it. */
export const invalidInput = (p: InputProblem) => invalidField(p.field || p.part, p.message);
export const badRequest = (message: string) => new SyncError(400, message);
export const taskNotFound = (name: string) =>
  new SyncError(404, `a task with name '${name}' does not exist or has not been initialized yet`);

/** A JSON answer with `Content-Type: application/json` exactly (Koa would add `; charset=utf-8`). */
export function sendJson(ctx: AppContext, status: number, body: unknown): void {
  ctx.status = status;
  ctx.set('Content-Type', 'application/json');
  ctx.body = JSON.stringify(body);
}

export function renderSyncError(ctx: AppContext, status: number, message: string): void {
  sendJson(ctx, status, { error: { message }, request_id: ctx.state.requestId });
}

const catchErrors = errorBoundary(
  (ctx, status, message) => renderSyncError(ctx, status, message),
  (err) => (err instanceof SyncError ? { status: err.status, message: err.message } : null),
);

/**
 * The family's outermost middleware: errors in CTS's shape (a 500 too, without details), and every
 * object body written as JSON with the exact Content-Type.
 */
export async function syncResponses(ctx: AppContext, next: Next) {
  await catchErrors(ctx, next);
  if (ctx.status === 500 && !ctx.body) return renderSyncError(ctx, 500, 'internal error');
  const body = ctx.body;
  if (
    body &&
    typeof body === 'object' &&
    !Buffer.isBuffer(body) &&
    typeof (body as { pipe?: unknown }).pipe !== 'function'
  ) {
    sendJson(ctx, ctx.status, body);
  }
}
