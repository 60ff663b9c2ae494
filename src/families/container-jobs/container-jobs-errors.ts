import { errorBoundary } from '../../http/middleware/error-boundary';

/** An error of the GoStint job API: `{"status": "...", "error": "..."}` with its HTTP status. */
export class GostintError extends Error {
  constructor(
    readonly status: number,
    readonly summary: string,
    message: string,
  ) {
    super(message);
  }
}

export const invalidContainerJob = (message: string) => new GostintError(400, 'Invalid job request.', message);
export const containerJobNotFound = (id: string) => new GostintError(404, 'Job not found.', `job ${id} does not exist`);

export const gostintErrors = errorBoundary(
  (ctx, status, message, err) => {
    ctx.status = status;
    const summary =
      err instanceof GostintError ? err.summary : status === 413 ? 'Request too large.' : 'Invalid job request.';
    ctx.body = { status: summary, error: message };
  },
  (err) => (err instanceof GostintError ? { status: err.status, message: err.message } : null),
);
