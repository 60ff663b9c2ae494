/** How many password checks a source, and a user name, may have failing before they must wait. */
export interface LoginLimits {
  /** Failed (or in-flight) checks a source address may have before it waits: the bucket's size. */
  perSource: number;
  /** The same for one user name, whatever the source. */
  perUser: number;
  /** Seconds in which a full bucket refills: failures older than this are forgotten. */
  windowSeconds: number;
}

interface Bucket {
  tokens: number;
  at: number;
}

/** Keys kept at most; the fullest buckets go first (they hold no debt worth remembering). */
const MAX_KEYS = 10_000;

/**
 * A token bucket per source and per user name for password checks that are not already known to be
 * right. A check takes a token from both before scrypt runs (so a burst in flight counts too) and
 * gives them back when the password was right; an empty bucket answers how long to wait. Buckets
 * refill continuously, so nobody is locked out for good: a right password works again after at most
 * `windowSeconds / size` seconds of quiet, and credentials verified before are never limited (the
 * user store remembers them without a check).
 */
export class LoginLimiter {
  private readonly sources = new Map<string, Bucket>();
  private readonly users = new Map<string, Bucket>();

  constructor(
    private readonly limits: LoginLimits,
    private readonly now: () => number = Date.now,
  ) {}

  /** Takes a token for a check; returns the seconds to wait when either bucket is empty (nothing taken). */
  take(source: string, user: string): { ok: true } | { ok: false; retryAfterSeconds: number } {
    const s = this.bucket(this.sources, source, this.limits.perSource);
    const u = this.bucket(this.users, user, this.limits.perUser);
    if (s.tokens < 1 || u.tokens < 1) {
      const wait = Math.max(this.waitFor(s, this.limits.perSource), this.waitFor(u, this.limits.perUser));
      return { ok: false, retryAfterSeconds: Math.max(1, Math.ceil(wait)) };
    }
    s.tokens -= 1;
    u.tokens -= 1;
    return { ok: true };
  }

  /** Gives back the tokens of a check whose password was right. */
  succeeded(source: string, user: string): void {
    this.refund(this.sources, source, this.limits.perSource);
    this.refund(this.users, user, this.limits.perUser);
  }

  private bucket(map: Map<string, Bucket>, key: string, size: number): Bucket {
    const now = this.now();
    let b = map.get(key);
    if (!b) {
      if (map.size >= MAX_KEYS) this.prune(map, size);
      b = { tokens: size, at: now };
      map.set(key, b);
      return b;
    }
    b.tokens = Math.min(size, b.tokens + ((now - b.at) / 1000) * (size / this.limits.windowSeconds));
    b.at = now;
    return b;
  }

  private refund(map: Map<string, Bucket>, key: string, size: number): void {
    const b = map.get(key);
    if (b) b.tokens = Math.min(size, b.tokens + 1);
  }

  private waitFor(b: Bucket, size: number): number {
    return b.tokens >= 1 ? 0 : ((1 - b.tokens) * this.limits.windowSeconds) / size;
  }

  private prune(map: Map<string, Bucket>, size: number): void {
    for (const [key, b] of map) {
      this.bucket(map, key, size);
      if (b.tokens >= size) map.delete(key);
    }
    // Still full of debtors: forget the oldest half rather than grow without bound.
    if (map.size >= MAX_KEYS) for (const key of [...map.keys()].slice(0, MAX_KEYS / 2)) map.delete(key);
  }
}
