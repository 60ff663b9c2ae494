import type { Next } from 'koa';
import type { Authenticator } from '../../auth/authenticator';
import type { User } from '../../auth/user-store';
import type { AppContext } from '../context';
import { Access, AuthRealm, defaultAccess, isPublic, realmFor, scopesFor } from './auth-realm';
import { canonicalPath } from './canonical-path';

function allows(user: User, needed: Access): boolean {
  return scopesFor(needed).some((s) => user.scopes.includes(s));
}

/**
 * The one gate every request passes before any router: it finds the family (realm) by the canonical
 * path, lets the family's public routes through (with `ctx.state.user` set when valid credentials came
 * along), and otherwise requires valid credentials with the scope the request needs, answering in the
 * family's shape. Routers still check finer rules (the debug log needs admin), but none of them can be
 * reached by spelling a path so that the gate does not apply: the gate does not depend on routing.
 */
export function authenticateRequests(auth: Authenticator, realms: AuthRealm[], fallback: AuthRealm) {
  return async function authenticate(ctx: AppContext, next: Next) {
    const canonical = canonicalPath(ctx.path);
    const realm = realmFor(realms, canonical, fallback);
    const who = await auth.identify(
      { authorization: ctx.get('Authorization'), xAuthToken: ctx.get('X-Auth-Token') },
      ctx.ip,
    );
    ctx.state.user = who.kind === 'user' ? who.user : null;
    if (isPublic(realm, ctx.method, ctx.path)) {
      await next();
      return;
    }
    realm.decorate?.(ctx);

    if (who.kind === 'limited') return realm.tooManyAttempts(ctx, who.retryAfterSeconds);
    if (who.kind !== 'user') return realm.unauthorized(ctx);
    const needed = realm.access?.(ctx.method, canonical) ?? defaultAccess(ctx.method);
    if (!allows(who.user, needed)) return realm.forbidden(ctx, scopesFor(needed));
    await next();
  };
}

/** `Retry-After` and 429, for the realms' `tooManyAttempts`. */
export function answerTooMany(ctx: AppContext, retryAfterSeconds: number, body: unknown): void {
  ctx.status = 429;
  ctx.set('Retry-After', String(retryAfterSeconds));
  ctx.body = body;
}
