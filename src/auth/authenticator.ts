import type { LoginLimiter } from './login-limiter';
import type { TokenService } from './token-service';
import type { User, UserStore } from './user-store';

export type Identification =
  | { kind: 'user'; user: User }
  | { kind: 'anonymous' }
  | { kind: 'invalid' }
  | { kind: 'limited'; retryAfterSeconds: number };

/**
 * Who a request is, from its credentials: basic auth (a user name and password, checked against the
 * failure limits), or a bosun bearer token (`Authorization: Bearer`, or Keystone's `X-Auth-Token`).
 */
export class Authenticator {
  constructor(
    readonly users: UserStore,
    readonly limiter: LoginLimiter,
    readonly tokens: TokenService | null,
  ) {}

  async identify(headers: { authorization: string; xAuthToken: string }, source: string): Promise<Identification> {
    const bearer = /^Bearer\s+(\S+)\s*$/i.exec(headers.authorization)?.[1] ?? (headers.xAuthToken.trim() || null);
    if (bearer) {
      const user = this.tokens ? await this.tokens.verify(bearer) : null;
      return user ? { kind: 'user', user } : { kind: 'invalid' };
    }
    if (!headers.authorization) return { kind: 'anonymous' };
    const basic = /^Basic\s+([A-Za-z0-9+/=]+)\s*$/i.exec(headers.authorization);
    if (!basic) return { kind: 'invalid' };
    const decoded = Buffer.from(basic[1], 'base64').toString('utf8');
    const colon = decoded.indexOf(':');
    if (colon < 0) return { kind: 'invalid' };
    return this.checkPassword(decoded.slice(0, colon), decoded.slice(colon + 1), source);
  }

  /** A password check within the failure limits: credentials verified before are never limited. */
  async checkPassword(name: string, password: string, source: string): Promise<Identification> {
    if (!name || !password) return { kind: 'invalid' };
    const remembered = this.users.remembered(name, password);
    if (remembered) return { kind: 'user', user: remembered };
    const allowed = this.limiter.take(source, name);
    if (!allowed.ok) return { kind: 'limited', retryAfterSeconds: allowed.retryAfterSeconds };
    const user = await this.users.verify(name, password);
    if (!user) return { kind: 'invalid' };
    this.limiter.succeeded(source, name);
    return { kind: 'user', user };
  }
}
