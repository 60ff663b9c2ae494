import { errorBoundary } from '../../http/middleware/error-boundary';

/**
 * An error of the scheduler API, in CipherTrust's shape `{"code","codeDesc","message","requestID"}`:
 * `code` is CipherTrust's number for `codeDesc`.
 */
export class SchedulerError extends Error {
  constructor(
    readonly status: number,
    readonly codeDesc: string,
    message: string,
  ) {
    super(message);
  }
}

const CODES: Record<string, number> = {
  NCERRInvalidParamValue: 4,
  NCERRResourceNotFound: 5,
  NCERRUnauthorized: 7,
  NCERRForbidden: 8,
  NCERRBadRequest: 10,
  NCERRRequestTooLarge: 13,
  NCERRTooManyRequests: 14,
};

/** A 400 naming the field (or query parameter) at fault. */
export const invalidParam = (field: string, problem: string) =>
  new SchedulerError(400, 'NCERRInvalidParamValue', `Invalid value for '${field}': ${problem}`);
export const badRequest = (message: string) => new SchedulerError(400, 'NCERRBadRequest', message);
export const notFound = (what: string, id: string) => new SchedulerError(404, 'NCERRResourceNotFound', `${what} ${id} not found`);

export function renderSchedulerError(ctx: Parameters<Parameters<typeof errorBoundary>[0]>[0], status: number, codeDesc: string, message: string): void {
  ctx.status = status;
  ctx.body = { code: CODES[codeDesc] ?? 10, codeDesc, message, requestID: ctx.state.requestId };
}

export const schedulerErrors = errorBoundary(
  (ctx, status, message, err) => {
    const codeDesc = err instanceof SchedulerError ? err.codeDesc : status === 413 ? 'NCERRRequestTooLarge' : 'NCERRBadRequest';
    renderSchedulerError(ctx, status, codeDesc, message);
  },
  (err) => (err instanceof SchedulerError ? { status: err.status, message: err.message } : null),
);
