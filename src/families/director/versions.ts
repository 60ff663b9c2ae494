/** Release and stemcell versions as the BOSH CLI parses them (semi-semantic), and their order. */

const SEMI_SEMANTIC = /^[0-9A-Za-z_.]+(-[0-9A-Za-z_\-.]+)?(\+[0-9A-Za-z_\-.]+)?$/;

export function isSemiSemantic(version: string): boolean {
  return SEMI_SEMANTIC.test(version);
}

/** A version from YAML (where `1` or `1.0` may arrive as a number) as the string the CLI expects. */
export function versionText(v: unknown): string {
  return typeof v === 'number' || typeof v === 'boolean'
    ? String(v)
    : typeof v === 'string'
      ? v
      : v == null
        ? ''
        : JSON.stringify(v);
}

function compareSegments(a: string, b: string): number {
  const as = a.split('.');
  const bs = b.split('.');
  for (let i = 0; i < Math.max(as.length, bs.length); i++) {
    const x = as[i];
    const y = bs[i];
    if (x === undefined) return -1;
    if (y === undefined) return 1;
    const nx = /^\d+$/.test(x);
    const ny = /^\d+$/.test(y);
    const c = nx && ny ? Number(x) - Number(y) : nx ? -1 : ny ? 1 : x.localeCompare(y);
    if (c !== 0) return Math.sign(c);
  }
  return 0;
}

/** Semi-semantic order: release segments, then a pre-release (`-x`) before none, then post-release (`+x`). */
export function compareVersions(a: string, b: string): number {
  const split = (v: string) => {
    const m = /^([^-+]*)(?:-([^+]*))?(?:\+(.*))?$/.exec(v)!;
    return { rel: m[1], pre: m[2], post: m[3] };
  };
  const x = split(a);
  const y = split(b);
  const c = compareSegments(x.rel, y.rel);
  if (c) return c;
  if (x.pre !== y.pre) {
    if (x.pre === undefined) return 1;
    if (y.pre === undefined) return -1;
    const p = compareSegments(x.pre, y.pre);
    if (p) return p;
  }
  if (x.post !== y.post) {
    if (x.post === undefined) return -1;
    if (y.post === undefined) return 1;
    return compareSegments(x.post, y.post);
  }
  return 0;
}

export function latestVersion(versions: string[]): string | undefined {
  return [...versions].sort(compareVersions).at(-1);
}
