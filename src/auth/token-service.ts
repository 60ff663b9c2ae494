import crypto from 'node:crypto';
import { jwtVerify, SignJWT } from 'jose';
import type { Knex } from 'knex';
import { SettingsRepo } from '../db/settings-repo';
import { RefreshTokensRepo } from './refresh-tokens-repo';
import type { Scope, User, UserStore } from './user-store';

export interface TokenLifetimes {
  accessSeconds: number;
  refreshSeconds: number;
}

export interface IssuedTokens {
  jwt: string;
  duration: number;
  token_type: 'Bearer';
  refresh_token: string;
  refresh_token_id: string;
}

const ISSUER = 'bosun';
const SCOPES: readonly Scope[] = ['bosh.admin', 'bosh.read', 'bosun.metrics'];

const sha256 = (s: string) => crypto.createHash('sha256').update(s).digest('base64');

/**
 * Bearer tokens: short-lived JWTs (HS256) carrying the user's scopes, and refresh tokens kept hashed in
 * the database. The signing key is created once in `settings`, so every node sharing the database
 * signs and accepts the same tokens.
 */
export class TokenService {
  private constructor(
    private readonly key: Uint8Array,
    private readonly refresh: RefreshTokensRepo,
    private readonly users: UserStore,
    private readonly lifetimes: TokenLifetimes,
  ) {}

  static async open(knex: Knex, users: UserStore, lifetimes: TokenLifetimes): Promise<TokenService> {
    const { value } = await new SettingsRepo(knex).getOrCreate('token_signing_key', () =>
      crypto.randomBytes(32).toString('base64'),
    );
    return new TokenService(Buffer.from(value, 'base64'), new RefreshTokensRepo(knex), users, lifetimes);
  }

  get refreshTokens(): RefreshTokensRepo {
    return this.refresh;
  }

  /** A new access token and refresh token for a user whose password was verified. */
  async issue(user: User): Promise<IssuedTokens> {
    const refreshToken = crypto.randomBytes(32).toString('base64url');
    const id = crypto.randomUUID();
    await this.refresh.insert({
      id,
      tokenHash: sha256(refreshToken),
      username: user.name,
      expiresAt: new Date(Date.now() + this.lifetimes.refreshSeconds * 1000),
    });
    return { ...(await this.access(user)), refresh_token: refreshToken, refresh_token_id: id };
  }

  /** A new access token for a live refresh token, with the user's scopes as configured now; null otherwise. */
  async refreshAccess(refreshToken: string): Promise<(IssuedTokens & { user: User }) | null> {
    const row = await this.refresh.findLive(sha256(refreshToken));
    const user = row && this.users.find(row.username);
    if (!row || !user) return null;
    return { ...(await this.access(user)), refresh_token: refreshToken, refresh_token_id: row.id, user };
  }

  /** The user an access token names, or null for anything not signed by bosun, expired, or malformed. */
  async verify(jwt: string): Promise<User | null> {
    try {
      const { payload } = await jwtVerify(jwt, this.key, { issuer: ISSUER, algorithms: ['HS256'] });
      const scopes = Array.isArray(payload.scopes)
        ? payload.scopes.filter((s): s is Scope => SCOPES.includes(s as Scope))
        : [];
      if (typeof payload.sub !== 'string' || !payload.sub || scopes.length === 0) return null;
      return { name: payload.sub, scopes };
    } catch {
      return null;
    }
  }

  /** An access token alone, without a refresh token (what Keystone's token API gives). */
  issueAccess(user: User): Promise<Omit<IssuedTokens, 'refresh_token' | 'refresh_token_id'>> {
    return this.access(user);
  }

  private async access(user: User): Promise<Omit<IssuedTokens, 'refresh_token' | 'refresh_token_id'>> {
    const jwt = await new SignJWT({ scopes: user.scopes, preferred_username: user.name })
      .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
      .setSubject(user.name)
      .setIssuer(ISSUER)
      .setJti(crypto.randomUUID())
      .setIssuedAt()
      .setExpirationTime(`${this.lifetimes.accessSeconds}s`)
      .sign(this.key);
    return { jwt, duration: this.lifetimes.accessSeconds, token_type: 'Bearer' };
  }
}
