import crypto from 'node:crypto';

/** scrypt password hashes, stored as `scrypt$N$r$p$<salt b64>$<hash b64>`. */

const N = 16384;
const R = 8;
const P = 1;
const KEYLEN = 32;

export function hashPassword(password: string): string {
  const salt = crypto.randomBytes(16);
  const hash = crypto.scryptSync(password, salt, KEYLEN, { N, r: R, p: P });
  return `scrypt$${N}$${R}$${P}$${salt.toString('base64')}$${hash.toString('base64')}`;
}

/**
 * A password holding NUL never matches: scrypt's PBKDF2-HMAC pads a short key with zero bytes, so
 * `pw` and `pw\0` would hash alike and a password with NULs appended would be accepted.
 */
export function verifyPassword(password: string, stored: string): boolean {
  if (password.includes('\0')) return false;
  const parts = stored.split('$');
  if (parts.length !== 6 || parts[0] !== 'scrypt') return false;
  const [n, r, p] = parts.slice(1, 4).map(Number);
  const salt = Buffer.from(parts[4], 'base64');
  const expected = Buffer.from(parts[5], 'base64');
  if (!n || !r || !p || expected.length === 0) return false;
  const actual = crypto.scryptSync(password, salt, expected.length, { N: n, r, p, maxmem: 256 * n * r });
  return crypto.timingSafeEqual(actual, expected);
}
