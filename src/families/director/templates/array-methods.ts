/** Array methods, which Hash and Range also use for their Enumerable ones. */
import { checkArrayLength, MAX_ARRAY_LENGTH } from './render-limits';
import { RubyError } from './template-error';
import { arity, arrArg, intArg, MethodTable, methodTable, needBlock, sliceBounds } from './method-support';
import {
  compareOrFail,
  equals,
  hashGet,
  hashSet,
  RBlock,
  RHash,
  RRange,
  RSymbol,
  toS,
  truthy,
  Value,
} from './ruby-values';

/** Calls a method by name; set by the dispatcher to break the import cycle (`inject(:+)`, `sum`). */
export const send: { fn: (self: Value, name: string, args: Value[], block: RBlock | null) => Value } = {
  fn: () => null,
};

const rangeOf = (v: Value) =>
  v instanceof RRange
    ? { from: intArg(v.from), to: v.to === null ? null : intArg(v.to), exclusive: v.exclusive }
    : null;

function uniq(items: Value[], key: (v: Value) => Value = (v) => v): Value[] {
  const out: Value[] = [];
  const keys: Value[] = [];
  for (const x of items) {
    const k = key(x);
    if (!keys.some((y) => equals(y, k))) {
      keys.push(k);
      out.push(x);
    }
  }
  return out;
}

/** Counts as it goes: an array repeating one nested array can flatten to far more elements than it holds. */
function flatten(a: Value[], depth: number, out: Value[] = []): Value[] {
  for (const x of a) {
    if (Array.isArray(x) && depth !== 0) flatten(x, depth - 1, out);
    else {
      out.push(x);
      if (out.length > MAX_ARRAY_LENGTH) checkArrayLength(out.length);
    }
  }
  return out;
}

function join(a: Value[], sep: string): string {
  return a.map((x) => (Array.isArray(x) ? join(x, sep) : toS(x))).join(sep);
}

function matcher(args: Value[], block: RBlock | null): (x: Value) => boolean {
  if (args.length) return (x) => truthy(send.fn(args[0], '===', [x], null));
  if (block) return (x) => truthy(block(x));
  return truthy;
}

function sortBy(a: Value[], key: (x: Value) => Value): Value[] {
  return a
    .map((x) => [key(x), x] as const)
    .sort((p, q) => compareOrFail(p[0], q[0]))
    .map((p) => p[1]);
}

function extreme(a: Value[], block: RBlock | null, sign: number, key?: RBlock): Value {
  if (!a.length) return null;
  const cmp = (x: Value, y: Value) =>
    block ? (block(x, y) as number) : key ? compareOrFail(key(x), key(y)) : compareOrFail(x, y);
  return a.reduce((best, x) => (cmp(x, best) * sign > 0 ? x : best));
}

function inject(a: Value[], args: Value[], block: RBlock | null): Value {
  arity(args, 0, 2);
  const op = args.length && args[args.length - 1] instanceof RSymbol ? (args[args.length - 1] as RSymbol).name : null;
  const hasInit = op ? args.length === 2 : args.length === 1;
  const items = hasInit ? a : a.slice(1);
  let acc: Value = hasInit ? args[0] : (a[0] ?? null);
  for (const x of items) acc = op ? send.fn(acc, op, [x], null) : needBlock(block)(acc, x);
  return acc;
}

function toH(a: Value[], block: RBlock | null): RHash {
  const h: RHash = new Map();
  for (const x of a) {
    const pair = block ? block(x) : x;
    if (!Array.isArray(pair) || pair.length !== 2)
      throw new RubyError('wrong element type (expected array of 2 elements)');
    hashSet(h, pair[0], pair[1]);
  }
  return h;
}

export const ARRAY_METHODS: MethodTable<Value[]> = methodTable({
  '[]': (s, a) => {
    arity(a, 1, 2);
    const b = sliceBounds(s.length, a, rangeOf);
    if (!b) return null;
    return b.single ? s[b.start] : s.slice(b.start, b.start + b.len);
  },
  '[]=': (s, a) => {
    arity(a, 2);
    let i = intArg(a[0]);
    if (i < 0) i += s.length;
    if (i < 0) throw new RubyError(`index ${intArg(a[0])} too small for array`);
    while (s.length < i) s.push(null);
    s[i] = a[1];
    return a[1];
  },
  slice: (s, a, b) => ARRAY_METHODS['[]'](s, a, b),
  at: (s, a) => ARRAY_METHODS['[]'](s, a, null),
  dig: (s, a) => a.reduce<Value>((v, k) => (v === null ? null : send.fn(v, '[]', [k], null)), s),
  fetch: (s, a, b) => {
    arity(a, 1, 2);
    const i = intArg(a[0]);
    const j = i < 0 ? i + s.length : i;
    if (j >= 0 && j < s.length) return s[j];
    if (b) return b(a[0]);
    if (a.length > 1) return a[1];
    throw new RubyError(`index ${i} outside of array bounds: ${-s.length}...${s.length}`);
  },
  values_at: (s, a) => a.map((i) => s[intArg(i) < 0 ? intArg(i) + s.length : intArg(i)] ?? null),
  first: (s, a) => (arity(a, 0, 1), a.length ? s.slice(0, intArg(a[0])) : (s[0] ?? null)),
  last: (s, a) => (
    arity(a, 0, 1),
    a.length ? s.slice(Math.max(0, s.length - intArg(a[0]))) : (s[s.length - 1] ?? null)
  ),
  take: (s, a) => (arity(a, 1), s.slice(0, intArg(a[0]))),
  drop: (s, a) => (arity(a, 1), s.slice(intArg(a[0]))),
  length: (s) => s.length,
  size: (s) => s.length,
  count: (s, a, b) =>
    a.length || b ? s.filter(a.length ? (x) => equals(x, a[0]) : (x) => truthy(b!(x))).length : s.length,
  'empty?': (s) => s.length === 0,
  'include?': (s, a) => (arity(a, 1), s.some((x) => equals(x, a[0]))),
  'member?': (s, a) => (arity(a, 1), s.some((x) => equals(x, a[0]))),
  index: (s, a, b) => {
    const i = s.findIndex(a.length ? (x) => equals(x, a[0]) : (x) => truthy(needBlock(b)(x)));
    return i < 0 ? null : i;
  },
  join: (s, a) => (arity(a, 0, 1), join(s, a.length && a[0] !== null ? toS(a[0]) : '')),
  '*': (s, a) => {
    if (typeof a[0] === 'string') return join(s, a[0]);
    if (intArg(a[0]) < 0) throw new RubyError('negative argument');
    checkArrayLength(intArg(a[0]) * s.length);
    return Array.from({ length: intArg(a[0]) }, () => s).flat();
  },
  '+': (s, a) => (arity(a, 1), [...s, ...arrArg(a[0])]),
  '-': (s, a) => (arity(a, 1), s.filter((x) => !arrArg(a[0]).some((y) => equals(x, y)))),
  '&': (s, a) => (arity(a, 1), uniq(s.filter((x) => arrArg(a[0]).some((y) => equals(x, y))))),
  '|': (s, a) => (arity(a, 1), uniq([...s, ...arrArg(a[0])])),
  '<<': (s, a) => (s.push(a[0]), s),
  push: (s, a) => (s.push(...a), s),
  append: (s, a) => (s.push(...a), s),
  unshift: (s, a) => (s.unshift(...a), s),
  prepend: (s, a) => (s.unshift(...a), s),
  concat: (s, a) => (a.forEach((x) => s.push(...arrArg(x))), s),
  pop: (s) => s.pop() ?? null,
  shift: (s) => s.shift() ?? null,
  delete: (s, a) => {
    const had = s.some((x) => equals(x, a[0]));
    for (let i = s.length - 1; i >= 0; i--) if (equals(s[i], a[0])) s.splice(i, 1);
    return had ? a[0] : null;
  },
  each: (s, a, b) => (b ? (s.slice().forEach((x) => b(x)), s) : s),
  each_with_index: (s, a, b) => (b ? (s.slice().forEach((x, i) => b(x, i)), s) : s.map((x, i) => [x, i])),
  with_index: (s, a, b) => s.map((x, i) => needBlock(b)(x, i + (a.length ? intArg(a[0]) : 0))),
  each_with_object: (s, a, b) => (s.forEach((x) => needBlock(b)(x, a[0])), a[0]),
  map: (s, a, b) => (b ? s.map((x) => b(x)) : s.slice()),
  collect: (s, a, b) => ARRAY_METHODS.map(s, a, b),
  flat_map: (s, a, b) =>
    s.flatMap((x) => {
      const r = needBlock(b)(x);
      return Array.isArray(r) ? r : [r];
    }),
  filter_map: (s, a, b) => s.map((x) => needBlock(b)(x)).filter(truthy),
  select: (s, a, b) => (b ? s.filter((x) => truthy(b(x))) : s.slice()),
  filter: (s, a, b) => ARRAY_METHODS.select(s, a, b),
  reject: (s, a, b) => s.filter((x) => !truthy(needBlock(b)(x))),
  find: (s, a, b) => s.find((x) => truthy(needBlock(b)(x))) ?? null,
  detect: (s, a, b) => ARRAY_METHODS.find(s, a, b),
  partition: (s, a, b) => [s.filter((x) => truthy(needBlock(b)(x))), s.filter((x) => !truthy(b!(x)))],
  group_by: (s, a, b) => {
    const h: RHash = new Map();
    for (const x of s) {
      const k = needBlock(b)(x);
      const list = hashGet(h, k);
      if (Array.isArray(list)) list.push(x);
      else hashSet(h, k, [x]);
    }
    return h;
  },
  tally: (s) => {
    const h: RHash = new Map();
    s.forEach((x) => hashSet(h, x, ((hashGet(h, x) as number | null) ?? 0) + 1));
    return h;
  },
  'any?': (s, a, b) => s.some(matcher(a, b)),
  'all?': (s, a, b) => s.every(matcher(a, b)),
  'none?': (s, a, b) => !s.some(matcher(a, b)),
  'one?': (s, a, b) => s.filter(matcher(a, b)).length === 1,
  inject: (s, a, b) => inject(s, a, b),
  reduce: (s, a, b) => inject(s, a, b),
  sum: (s, a, b) => s.reduce<Value>((acc, x) => send.fn(acc, '+', [b ? b(x) : x], null), a.length ? a[0] : 0),
  min: (s, a, b) => extreme(s, b, -1),
  max: (s, a, b) => extreme(s, b, 1),
  min_by: (s, a, b) => extreme(s, null, -1, needBlock(b)),
  max_by: (s, a, b) => extreme(s, null, 1, needBlock(b)),
  sort: (s, a, b) => s.slice().sort(b ? (x, y) => b(x, y) as number : compareOrFail),
  sort_by: (s, a, b) => sortBy(s, needBlock(b)),
  uniq: (s, a, b) => uniq(s, b ?? undefined),
  compact: (s) => s.filter((x) => x !== null),
  flatten: (s, a) => flatten(s, a.length ? intArg(a[0]) : -1),
  reverse: (s) => s.slice().reverse(),
  rotate: (s, a) => {
    const n = s.length ? (((a.length ? intArg(a[0]) : 1) % s.length) + s.length) % s.length : 0;
    return [...s.slice(n), ...s.slice(0, n)];
  },
  zip: (s, a) => s.map((x, i) => [x, ...a.map((o) => arrArg(o)[i] ?? null)]),
  each_slice: (s, a, b) => {
    arity(a, 1);
    const n = intArg(a[0]);
    if (n <= 0) throw new RubyError('invalid slice size');
    const slices: Value[] = [];
    for (let i = 0; i < s.length; i += n) slices.push(s.slice(i, i + n));
    return b ? (slices.forEach((x) => b(x)), null) : slices;
  },
  to_a: (s) => s,
  entries: (s) => s,
  to_h: (s, a, b) => toH(s, b),
  transpose: (s) => (s.length ? arrArg(s[0]).map((_, i) => s.map((row) => arrArg(row)[i] ?? null)) : []),
  product: (s, a) => (
    checkArrayLength(s.length * arrArg(a[0]).length),
    s.flatMap((x) => arrArg(a[0]).map((y) => [x, y]))
  ),
});
