import fs from 'node:fs';
import path from 'node:path';

/** Permission bits of group and other: none may be set on anything under the data directory. */
const SHARED_BITS = 0o077;

/**
 * Makes `dir` private to bosun's user: created 0700 when missing; an existing one (a data directory of
 * an older bosun, or one copied with loose modes) has group and other permissions taken from it and from
 * everything under it. It holds the embedded database, the secrets key and the TLS key, so it is tightened
 * rather than refused: refusing would leave the operator to do the same by hand. Returns the paths tightened.
 */
export function makeDataDirPrivate(dir: string): string[] {
  fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
  const tightened: string[] = [];
  const visit = (p: string) => {
    const st = fs.lstatSync(p);
    // A link's own mode means nothing; what it points to outside the data directory is not ours to change.
    if (st.isSymbolicLink()) return;
    if (st.mode & SHARED_BITS) {
      fs.chmodSync(p, st.mode & 0o7700 & ~SHARED_BITS);
      tightened.push(p);
    }
    if (st.isDirectory()) for (const name of fs.readdirSync(p)) visit(path.join(p, name));
  };
  visit(dir);
  return tightened;
}
