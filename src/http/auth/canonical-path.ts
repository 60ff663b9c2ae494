import path from 'node:path';

/**
 * A path as the routers might understand it, for deciding who may call it: percent-decoding undone
 * (repeatedly, so `%2561` is `a` too), backslashes as slashes, dot segments resolved, slashes
 * collapsed, no trailing slash, lower case. Authentication decisions compare this form, so no
 * spelling of a path (case, `//`, `/./`, `%2F`, a trailing `/`) reaches a route past its rules.
 */
export function canonicalPath(raw: string): string {
  let p = raw;
  for (let i = 0; i < 4; i++) {
    let decoded: string;
    try {
      decoded = decodeURIComponent(p);
    } catch {
      break;
    }
    if (decoded === p) break;
    p = decoded;
  }
  p = path.posix.normalize(`/${p.replace(/\\/g, '/')}`).replace(/\/+$/, '');
  return (p || '/').toLowerCase();
}

/** True when `canonical` is `prefix` or below it (`/api/v1/data` covers `/api/v1/data/x`, not `/api/v1/database`). */
export function isUnder(canonical: string, prefix: string): boolean {
  return canonical === prefix || canonical.startsWith(prefix.endsWith('/') ? prefix : `${prefix}/`);
}
