import { isDeepStrictEqual } from 'node:util';
import YAML from 'yaml';

export type DiffLine = [string, 'added' | 'removed' | null];

type Doc = Record<string, unknown>;
interface Line {
  indent: number;
  text: string;
  status: DiffLine[1];
}

const isHash = (v: unknown): v is Doc => !!v && typeof v === 'object' && !Array.isArray(v);

/** The Director's Redactor: every value under a `properties` or `bosh` hash shows as `<redacted>`. */
function redactValues(node: unknown): unknown {
  if (Array.isArray(node)) return node.map(redactValues);
  if (isHash(node)) return Object.fromEntries(Object.entries(node).map(([k, v]) => [k, redactValues(v)]));
  return '<redacted>';
}

function redact(node: unknown): unknown {
  if (Array.isArray(node)) return node.map(redact);
  if (!isHash(node)) return node;
  return Object.fromEntries(
    Object.entries(node).map(([k, v]) => [
      k,
      (k === 'properties' || k === 'bosh') && isHash(v) ? redactValues(v) : redact(v),
    ]),
  );
}

/** `value.to_yaml` without its `---`, one line each, sequences at their key's indent as Ruby writes them. */
function yamlLines(value: unknown, indent: number, status: DiffLine[1]): Line[] {
  return YAML.stringify(value, { indentSeq: false })
    .trimEnd()
    .split('\n')
    .map((text) => ({ indent, text, status }));
}

/** Elements of `a` not in `b` (each `b` element cancelling one equal `a` element), as Ruby's `Array#-` keeps order. */
function minus<T>(a: Array<[T, T]>, b: Array<[T, T]>): Array<[T, T]> {
  return a.filter(([x]) => !b.some(([y]) => isDeepStrictEqual(x, y)));
}

function compareArrays(
  before: unknown[],
  after: unknown[],
  outBefore: unknown[],
  outAfter: unknown[],
  key: string,
  indent: number,
): Line[] {
  const oldPairs = before.map((v, i) => [v, outBefore[i]] as [unknown, unknown]);
  const newPairs = after.map((v, i) => [v, outAfter[i]] as [unknown, unknown]);
  const added = minus(newPairs, oldPairs);
  const removed = minus(oldPairs, newPairs);
  const lines: Line[] = [];
  const all = [...added, ...removed].filter(([v]) => v != null);
  for (const [elem, shown] of added) {
    const usingNames = isHash(elem) && all.every(([v]) => isHash(v) && v.name);
    const usingRanges = isHash(elem) && !usingNames && all.every(([v]) => isHash(v) && v.range);
    if (!isHash(elem) || !(usingNames || usingRanges)) {
      lines.push(...yamlLines([shown], indent, 'added'));
      continue;
    }
    const idKey = usingNames ? 'name' : 'range';
    const at = removed.findIndex(([v]) => isHash(v) && isDeepStrictEqual(v[idKey], elem[idKey]));
    if (at < 0) {
      lines.push(...yamlLines([shown], indent, 'added'));
      continue;
    }
    const [[oldElem, oldShown]] = removed.splice(at, 1);
    const inner = changeset(oldElem as Doc, elem, oldShown as Doc, shown as Doc, indent + 1);
    if (inner.length) {
      lines.push(...yamlLines([{ [idKey]: (shown as Doc)[idKey] }], indent, null), ...inner);
    }
  }
  if (removed.length)
    lines.push(
      ...yamlLines(
        removed.map(([, shown]) => shown),
        indent,
        'removed',
      ),
    );
  if (lines.length) lines.unshift({ indent, text: `${key}:`, status: null });
  return lines;
}

/** The Director's Changeset: only what changed, under the keys (and named array elements) that lead to it. */
function changeset(before: Doc, after: Doc, outBefore: Doc, outAfter: Doc, indent: number): Line[] {
  const lines: Line[] = [];
  const keys = [...new Set([...Object.keys(before), ...Object.keys(after)])];
  for (const key of keys) {
    const b = before[key];
    const a = after[key];
    if (isDeepStrictEqual(b, a)) continue;
    if (b == null) lines.push(...yamlLines({ [key]: outAfter[key] }, indent, 'added'));
    else if (a == null) lines.push(...yamlLines({ [key]: outBefore[key] }, indent, 'removed'));
    else if (Array.isArray(b) && Array.isArray(a))
      lines.push(...compareArrays(b, a, outBefore[key] as unknown[], outAfter[key] as unknown[], key, indent));
    else if (isHash(b) && isHash(a)) {
      const inner = changeset(b, a, outBefore[key] as Doc, outAfter[key] as Doc, indent + 1);
      if (inner.length) lines.push({ indent, text: `${key}:`, status: null }, ...inner);
    } else {
      lines.push(...yamlLines({ [key]: outBefore[key] }, indent, 'removed'));
      lines.push(...yamlLines({ [key]: outAfter[key] }, indent, 'added'));
    }
  }
  return lines;
}

/** Top-level sections in the Director's order (cloud config keys first, then the manifest's), each after an empty line. */
const ORDER = [
  'azs',
  'vm_types',
  'vm_extensions',
  'resource_pools',
  'compilation',
  'networks',
  'disk_types',
  'name',
  'stemcells',
  'releases',
  'update',
  'jobs',
  'release',
  'addons',
  'variables',
];

function order(lines: Line[]): Line[] {
  const sections = new Map<string, Line[]>();
  let current: Line[] | undefined;
  for (const line of lines) {
    if (line.indent === 0 && !/^[ -]/.test(line.text)) {
      current = [{ indent: 0, text: '', status: null }];
      sections.set(line.text, current);
    }
    current?.push(line);
  }
  const out: Line[] = [];
  for (const key of ORDER) {
    out.push(...(sections.get(`${key}:`) ?? []));
    sections.delete(`${key}:`);
  }
  for (const section of sections.values()) out.push(...section);
  return out.slice(1);
}

/**
 * The Director's diff of two documents (a deploy's manifest with its configs, or two configs): the
 * changed parts only, each line marked added, removed or (for the keys leading to a change) null,
 * sections in the Director's order. Property values show as `<redacted>` when asked, as `bosh deploy` asks.
 */
export function manifestDiff(before: unknown, after: unknown, doRedact: boolean): DiffLine[] {
  const b = isHash(before) ? before : {};
  const a = isHash(after) ? after : {};
  const lines = changeset(b, a, (doRedact ? redact(b) : b) as Doc, (doRedact ? redact(a) : a) as Doc, 0);
  return order(lines).map((l) => [`${'  '.repeat(l.indent)}${l.text}`, l.status]);
}
