import type { AuthRealm, PublicRoute } from '../auth/auth-realm';
import { renderCiphertrustError } from './ciphertrust-errors';

/** How the CipherTrust-style APIs (bearer tokens, the scheduler) answer callers without the right credentials. */
export function ciphertrustRealm(name: string, prefixes: string[], publicRoutes: PublicRoute[] = []): AuthRealm {
  return {
    name,
    prefixes,
    publicRoutes,
    unauthorized: (ctx) => renderCiphertrustError(ctx, 401, 'Valid credentials or a bearer token are required'),
    forbidden: (ctx, scopes) => renderCiphertrustError(ctx, 403, `Requires one of the scopes: ${scopes.join(', ')}`),
    tooManyAttempts: (ctx, retryAfter) => {
      ctx.set('Retry-After', String(retryAfter));
      renderCiphertrustError(ctx, 429, 'Too many failed logins; try again later');
    },
  };
}

/** `/api/v1/auth/tokens`: issuing a token is public (it checks the password itself); the rest needs a user. */
export const tokensRealm = ciphertrustRealm(
  'tokens',
  ['/api/v1/auth'],
  [{ methods: ['POST'], path: '/api/v1/auth/tokens' }],
);
