import type { Next } from 'koa';
import type { User, UserStore } from '../../auth/user-store';
import type { AppContext } from '../context';

/** The user named by a valid `Authorization: Basic` header, or null. */
export function userFromRequest(ctx: AppContext, users: UserStore): User | null {
  const header = ctx.get('Authorization');
  const m = /^Basic\s+([A-Za-z0-9+/=]+)\s*$/i.exec(header);
  if (!m) return null;
  const decoded = Buffer.from(m[1], 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  if (colon < 0) return null;
  return users.verify(decoded.slice(0, colon), decoded.slice(colon + 1));
}

/** Sets ctx.state.user when the credentials are valid, and calls `reject` otherwise. */
export function requireUser(users: UserStore, reject: (ctx: AppContext) => void) {
  return async function authenticate(ctx: AppContext, next: Next) {
    const user = userFromRequest(ctx, users);
    if (!user) return reject(ctx);
    ctx.state.user = user;
    await next();
  };
}
