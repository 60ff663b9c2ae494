import crypto from 'node:crypto';
import { verifyPassword } from './password-hash';

export type Scope = 'bosh.admin' | 'bosh.read';

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
 * scrypt and compares in constant time; a successful check is remembered under a keyed digest.
 */
export class UserStore {
  private readonly users = new Map<string, StoredUser>();
  private readonly cacheKey = crypto.randomBytes(32);
  private readonly verified = new Map<string, User>();

  constructor(users: StoredUser[]) {
    for (const u of users) this.users.set(u.name, u);
  }

  verify(name: string, password: string): User | null {
    if (!name || !password) return null;
    const digest = crypto.createHmac('sha256', this.cacheKey).update(name).update('\0').update(password).digest('base64');
    const cached = this.verified.get(digest);
    if (cached) return cached;
    const user = this.users.get(name);
    if (!user || !verifyPassword(password, user.passwordHash)) return null;
    const found: User = { name: user.name, scopes: user.scopes };
    if (this.verified.size >= CACHE_LIMIT) this.verified.delete(this.verified.keys().next().value as string);
    this.verified.set(digest, found);
    return found;
  }
}

export function isAdmin(user: User): boolean {
  return user.scopes.includes('bosh.admin');
}

export function canRead(user: User): boolean {
  return user.scopes.includes('bosh.admin') || user.scopes.includes('bosh.read');
}
