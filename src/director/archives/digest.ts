import crypto from 'node:crypto';

/**
 * BOSH digests: a plain hex SHA-1, or `sha256:<hex>` (also `sha1:` / `sha512:`), possibly several
 * joined by `;`. A digest matches when every algorithm it names that we know agrees.
 */
export function digestMatches(expected: string, data: Buffer): boolean {
  const parts = expected.split(';').map((p) => p.trim()).filter(Boolean);
  if (!parts.length) return false;
  let checked = 0;
  for (const part of parts) {
    const m = /^(?:(sha1|sha256|sha512):)?([0-9a-fA-F]+)$/.exec(part);
    if (!m) return false;
    const algo = m[1] ?? 'sha1';
    if (crypto.createHash(algo).update(data).digest('hex') !== m[2].toLowerCase()) return false;
    checked++;
  }
  return checked > 0;
}

export const sha1Hex = (data: Buffer) => crypto.createHash('sha1').update(data).digest('hex');
