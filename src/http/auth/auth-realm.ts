import type { Scope } from '../../auth/user-store';
import type { AppContext } from '../context';
import { isUnder } from './canonical-path';

/** A route anyone may call: matched on the exact method and raw path, never on another spelling. */
export interface PublicRoute {
  methods: string[];
  path: string | RegExp;
}

/** What a caller needs: `read` (bosh.read or bosh.admin), `admin` (bosh.admin), or `metrics` (those or bosun.metrics). */
export type Access = 'read' | 'admin' | 'metrics';

/**
 * How one API family is guarded: the paths it covers (canonical form: lower case, no trailing slash),
 * its public routes, what each request needs, and how it answers a caller without credentials, without
 * the scope, or with too many failed logins, in the family's own error shape.
 */
export interface AuthRealm {
  name: string;
  prefixes: string[];
  publicRoutes?: PublicRoute[];
  /** What a request needs; by default reads (GET, HEAD, OPTIONS) need `read`, everything else `admin`. */
  access?(method: string, canonicalPath: string): Access;
  /** Headers every answer of the family's non-public routes carries (the Director's `WWW-Authenticate`). */
  decorate?(ctx: AppContext): void;
  unauthorized(ctx: AppContext): void;
  forbidden(ctx: AppContext, scopes: Scope[]): void;
  tooManyAttempts(ctx: AppContext, retryAfterSeconds: number): void;
}

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

export function defaultAccess(method: string): Access {
  return SAFE_METHODS.has(method.toUpperCase()) ? 'read' : 'admin';
}

export const scopesFor = (access: Access): Scope[] =>
  access === 'admin'
    ? ['bosh.admin']
    : access === 'metrics'
      ? ['bosh.admin', 'bosh.read', 'bosun.metrics']
      : ['bosh.admin', 'bosh.read'];

/** The realm whose prefix covers the path (the longest wins), else the fallback. */
export function realmFor(realms: AuthRealm[], canonical: string, fallback: AuthRealm): AuthRealm {
  let best: AuthRealm = fallback;
  let bestLength = -1;
  for (const realm of realms) {
    for (const prefix of realm.prefixes) {
      if (prefix.length > bestLength && isUnder(canonical, prefix)) {
        best = realm;
        bestLength = prefix.length;
      }
    }
  }
  return best;
}

export function isPublic(realm: AuthRealm, method: string, rawPath: string): boolean {
  const m = method.toUpperCase();
  return (realm.publicRoutes ?? []).some(
    (r) => r.methods.includes(m) && (typeof r.path === 'string' ? r.path === rawPath : r.path.test(rawPath)),
  );
}
