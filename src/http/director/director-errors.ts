import { DirectorError } from '../../errors/director-error';
import { errorBoundary } from '../middleware/error-boundary';

/** The Director's error body: {"code": N, "description": "..."}; client errors without a code get 40000. */
export const directorErrors = errorBoundary(
  (ctx, status, message, err) => {
    ctx.status = status;
    ctx.body = { code: err instanceof DirectorError ? err.code : 40000, description: message };
  },
  (err) => (err instanceof DirectorError ? { status: err.status, message: err.message } : null),
);
