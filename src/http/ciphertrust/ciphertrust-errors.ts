import type { AppContext } from '../context';
import { errorBoundary } from '../middleware/error-boundary';

/** CipherTrust's `NCERR…` names and their numeric codes (404 is 16, as CipherTrust Manager answers it). */
const CODES = {
  NCERRAuthFailed: 3,
  NCERRNotAuthorized: 4,
  NCERRServiceUnavailable: 6,
  NCERRInvalidParamValue: 7,
  NCERRConflict: 8,
  NCERRBadRequest: 10,
  NCERRTooManyRequests: 13,
  NCERRResourceNotFound: 16,
} as const;

export type CiphertrustCode = keyof typeof CODES;

/** The name an error of `status` gets when its thrower names none. */
const BY_STATUS: Record<number, CiphertrustCode> = {
  400: 'NCERRBadRequest',
  401: 'NCERRAuthFailed',
  403: 'NCERRNotAuthorized',
  404: 'NCERRResourceNotFound',
  409: 'NCERRConflict',
  413: 'NCERRInvalidParamValue',
  415: 'NCERRInvalidParamValue',
  429: 'NCERRTooManyRequests',
  503: 'NCERRServiceUnavailable',
};

/** An error of the CipherTrust-style APIs (bearer tokens, the scheduler), answered in CipherTrust's shape. */
export class CiphertrustError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly codeName: CiphertrustCode = BY_STATUS[status] ?? 'NCERRBadRequest',
  ) {
    super(message);
  }
}

/** A 400 naming the field (or query parameter) at fault. */
export const invalidParam = (field: string, problem: string) =>
  new CiphertrustError(400, `Invalid value for '${field}': ${problem}`, 'NCERRInvalidParamValue');
export const badRequest = (message: string) => new CiphertrustError(400, message, 'NCERRBadRequest');
export const notFound = (what: string, id: string) =>
  new CiphertrustError(404, `${what} ${id} not found`, 'NCERRResourceNotFound');

/** `{code, codeDesc, message, requestID}`, as CipherTrust Manager answers errors (`codeDesc` is `NAME: message`). */
export function renderCiphertrustError(
  ctx: AppContext,
  status: number,
  message: string,
  name: CiphertrustCode = BY_STATUS[status] ?? 'NCERRBadRequest',
): void {
  ctx.status = status;
  ctx.body = { code: CODES[name], codeDesc: `${name}: ${message}`, message, requestID: ctx.state.requestId };
}

export const ciphertrustErrors = errorBoundary(
  (ctx, status, message, err) =>
    renderCiphertrustError(ctx, status, message, err instanceof CiphertrustError ? err.codeName : undefined),
  (err) => (err instanceof CiphertrustError ? { status: err.status, message: err.message } : null),
);
