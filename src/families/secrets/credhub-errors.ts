import { errorBoundary } from '../../http/middleware/error-boundary';

/** An error of the secrets API, in CredHub's shape `{"error": "..."}`. */
export class CredhubError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

export const credentialNotFound = () =>
  new CredhubError(
    404,
    'The request could not be completed because the credential does not exist or you do not have sufficient authorization.',
  );
export const invalidCredential = (message: string) => new CredhubError(400, message);

export const credhubErrors = errorBoundary(
  (ctx, status, message) => {
    ctx.status = status;
    ctx.body = { error: message };
  },
  (err) => (err instanceof CredhubError ? { status: err.status, message: err.message } : null),
);
