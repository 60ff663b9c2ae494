import crypto from 'node:crypto';
import { promisify } from 'node:util';

/** scrypt password hashes, stored as `scrypt$N$r$p$<salt b64>$<hash b64>`. */

const N = 16384;
const R = 8;
const P = 1;
const KEYLEN = 32;

const scrypt = promisify(crypto.scrypt) as (
  password: crypto.BinaryLike,
  salt: crypto.BinaryLike,
  keylen: number,
  options: crypto.ScryptOptions,
) => Promise<Buffer>;

export function hashPassword(password: string): string {
  const salt = crypto.randomBytes(16);
  const hash = crypto.scryptSync(password, salt, KEYLEN, { N, r: R, p: P });
  return `scrypt$${N}$${R}$${P}$${salt.toString('base64')}$${hash.toString('base64')}`;
}

/**
 * A hash no password matches, with the default cost: an unknown user's login is checked against it,
 * so that it takes as long as a known user's and the answer time does not tell which names exist.
 */
export const UNMATCHABLE_HASH = `scrypt$${N}$${R}$${P}$${crypto.randomBytes(16).toString('base64')}$${crypto.randomBytes(KEYLEN).toString('base64')}`;

/**
 * Checks a password against a stored hash on libuv's thread pool (scrypt costs ~40 ms of CPU: on the
 * event loop, a few wrong passwords a second would stall every other request).
 *
 * A password holding NUL never matches: scrypt's PBKDF2-HMAC pads a short key with zero bytes, so
 * `pw` and `pw\0` would hash alike and a password with NULs appended would be accepted. It is still
 * hashed, so the refusal takes as long as any other.
 */
export async function verifyPassword(password: string, stored: string): Promise<boolean> {
  const parts = stored.split('$');
  if (parts.length !== 6 || parts[0] !== 'scrypt') return false;
  const [n, r, p] = parts.slice(1, 4).map(Number);
  const salt = Buffer.from(parts[4], 'base64');
  const expected = Buffer.from(parts[5], 'base64');
  if (!n || !r || !p || expected.length === 0) return false;
  const actual = await scrypt(password, salt, expected.length, { N: n, r, p, maxmem: 256 * n * r });
  return crypto.timingSafeEqual(actual, expected) && !password.includes('\0');
}
