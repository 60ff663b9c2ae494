import crypto from 'node:crypto';

/** The algorithms a BOSH digest may name; a plain hex digest is SHA-1. */
const ALGORITHMS = ['sha1', 'sha256', 'sha512'] as const;
export type DigestAlgorithm = (typeof ALGORITHMS)[number];
export type Digests = Record<DigestAlgorithm, string>;

export interface ExpectedDigest {
  algorithm: DigestAlgorithm;
  hex: string;
}

/**
 * A BOSH digest: a plain hex SHA-1, or `sha256:<hex>` (also `sha1:` / `sha512:`), possibly several
 * joined by `;` (the Director's multi-digest). Null when it is empty or any part is malformed, so a
 * digest that cannot be checked is never taken as checked.
 */
export function parseDigest(expected: string): ExpectedDigest[] | null {
  const parts = expected
    .split(';')
    .map((p) => p.trim())
    .filter(Boolean);
  if (!parts.length) return null;
  const out: ExpectedDigest[] = [];
  for (const part of parts) {
    const m = /^(?:(sha1|sha256|sha512):)?([0-9a-fA-F]+)$/.exec(part);
    if (!m) return null;
    out.push({ algorithm: (m[1] as DigestAlgorithm | undefined) ?? 'sha1', hex: m[2].toLowerCase() });
  }
  return out;
}

/** Hashes bytes as they stream past in every algorithm a digest may name, so a large blob is read once. */
export function createDigester() {
  const hashes = ALGORITHMS.map((a) => [a, crypto.createHash(a)] as const);
  return {
    update(chunk: Buffer): void {
      for (const [, h] of hashes) h.update(chunk);
    },
    digests(): Digests {
      return Object.fromEntries(hashes.map(([a, h]) => [a, h.digest('hex')])) as Digests;
    },
  };
}

/** A digest matches when it parses and every algorithm it names agrees with what was computed. */
export function digestsMatch(expected: string, actual: Digests): boolean {
  const parsed = parseDigest(expected);
  return parsed !== null && parsed.every((d) => actual[d.algorithm] === d.hex);
}
