import crypto from 'node:crypto';
import { UNMATCHABLE_HASH, verifyPassword } from './password-hash';

/** `bosun.metrics` reads `GET /metrics` and nothing else (a Prometheus scraper's credentials). */
export type Scope = 'bosh.admin' | 'bosh.read' | 'bosun.metrics';

export interface User {
  name: string;
  scopes: Scope[];
}

interface StoredUser extends User {
  passwordHash: string;
}

/** Verified credentials kept, keyed by an HMAC (never the password), so scrypt runs once per login. */
const CACHE_LIMIT = 1000;

/**
 * The users who may call the API, with hashed passwords. A check hashes the presented password with
 * scrypt off the event loop and compares in constant time; an unknown name costs the same as a known
 * one. A successful check is remembered under a keyed digest, so a client that sends the same right
 * credentials on every request (the BOSH CLI does) pays for scrypt once.
 */
export class UserStore {
  private readonly users = new Map<string, StoredUser>();
  private readonly cacheKey = crypto.randomBytes(32);
  private readonly verified = new Map<string, User>();

  constructor(users: StoredUser[]) {
    for (const u of users) this.users.set(u.name, u);
  }

  /** The user whose right credentials were verified before, without hashing: null when not known. */
  remembered(name: string, password: string): User | null {
    return this.verified.get(this.digest(name, password)) ?? null;
  }

  async verify(name: string, password: string): Promise<User | null> {
    if (!name || !password) return null;
    const digest = this.digest(name, password);
    const cached = this.verified.get(digest);
    if (cached) return cached;
    const user = this.users.get(name);
    const matches = await verifyPassword(password, user?.passwordHash ?? UNMATCHABLE_HASH);
    if (!user || !matches) return null;
    const found: User = { name: user.name, scopes: user.scopes };
    if (this.verified.size >= CACHE_LIMIT) this.verified.delete(this.verified.keys().next().value as string);
    this.verified.set(digest, found);
    return found;
  }

  /** The named user as configured now (a refresh token re-reads the scopes), or null. */
  find(name: string): User | null {
    const user = this.users.get(name);
    return user ? { name: user.name, scopes: user.scopes } : null;
  }

  private digest(name: string, password: string): string {
    return crypto.createHmac('sha256', this.cacheKey).update(name).update('\0').update(password).digest('base64');
  }
}

export function isAdmin(user: User): boolean {
  return user.scopes.includes('bosh.admin');
}

export function canRead(user: User): boolean {
  return user.scopes.includes('bosh.admin') || user.scopes.includes('bosh.read');
}
