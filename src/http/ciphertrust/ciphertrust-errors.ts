import type { AppContext } from '../context';
import { errorBoundary } from '../middleware/error-boundary';

/** CipherTrust's numeric codes and `NCERR…` names, by HTTP status. */
const BY_STATUS: Record<number, [number, string]> = {
  400: [7, 'NCERRInvalidParamValue'],
  401: [3, 'NCERRAuthFailed'],
  403: [4, 'NCERRNotAuthorized'],
  404: [16, 'NCERRResourceNotFound'],
  409: [8, 'NCERRConflict'],
  413: [7, 'NCERRInvalidParamValue'],
  415: [7, 'NCERRInvalidParamValue'],
  429: [13, 'NCERRTooManyRequests'],
  503: [6, 'NCERRServiceUnavailable'],
};

/** An error of the CipherTrust-style APIs (bearer tokens, the scheduler), answered in CipherTrust's shape. */
export class CiphertrustError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

/** `{code, codeDesc, message, requestID}`, as CipherTrust Manager answers errors. */
export function renderCiphertrustError(ctx: AppContext, status: number, message: string): void {
  const [code, name] = BY_STATUS[status] ?? [1, 'NCERRInternalServerError'];
  ctx.status = status;
  ctx.body = { code, codeDesc: `${name}: ${message}`, message, requestID: ctx.state.requestId };
}

export const ciphertrustErrors = errorBoundary(
  (ctx, status, message) => renderCiphertrustError(ctx, status, message),
  (err) => (err instanceof CiphertrustError ? { status: err.status, message: err.message } : null),
);
