import YAML from 'yaml';

export type DiffLine = [string, 'added' | 'removed' | null];

/** Lines beyond which the diff is not computed line by line (the whole new manifest is shown added). */
const MAX_LINES = 3000;

/** Property values are shown as `<redacted>` when asked (`bosh deploy` asks), as the Director does. */
function redact(node: unknown, underProperties = false): unknown {
  if (Array.isArray(node)) return node.map((n) => redact(n, underProperties));
  if (node && typeof node === 'object') {
    return Object.fromEntries(
      Object.entries(node as Record<string, unknown>).map(([k, v]) => [
        k,
        redact(v, underProperties || k === 'properties'),
      ]),
    );
  }
  return underProperties ? '<redacted>' : node;
}

function lines(doc: unknown, doRedact: boolean): string[] {
  if (doc === null || doc === undefined) return [];
  return YAML.stringify(doRedact ? redact(doc) : doc)
    .trimEnd()
    .split('\n');
}

/** The Director's deploy diff: every line of the new manifest, marked added/removed against the deployed one. */
export function manifestDiff(before: unknown, after: unknown, doRedact: boolean): DiffLine[] {
  const a = lines(before, doRedact);
  const b = lines(after, doRedact);
  if (a.length > MAX_LINES || b.length > MAX_LINES) return b.map((l) => [l, 'added']);
  const n = a.length;
  const m = b.length;
  const lcs: Uint16Array[] = Array.from({ length: n + 1 }, () => new Uint16Array(m + 1));
  for (let i = n - 1; i >= 0; i--)
    for (let j = m - 1; j >= 0; j--)
      lcs[i][j] = a[i] === b[j] ? lcs[i + 1][j + 1] + 1 : Math.max(lcs[i + 1][j], lcs[i][j + 1]);
  const out: DiffLine[] = [];
  let i = 0;
  let j = 0;
  while (i < n && j < m) {
    if (a[i] === b[j]) {
      out.push([b[j], null]);
      i++;
      j++;
    } else if (lcs[i + 1][j] >= lcs[i][j + 1]) out.push([a[i++], 'removed']);
    else out.push([b[j++], 'added']);
  }
  while (i < n) out.push([a[i++], 'removed']);
  while (j < m) out.push([b[j++], 'added']);
  return out;
}
