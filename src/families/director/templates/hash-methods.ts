/** Hash methods; the Enumerable ones not listed here run on the hash's [key, value] pairs. */
import { RubyError } from './template-error';
import { arity, MethodTable, methodTable, needBlock } from './method-support';
import { equals, hashGet, hashHas, hashSet, inspect, RBlock, RHash, truthy, Value, withheld } from './ruby-values';
import { send } from './array-methods';

const pairs = (h: RHash): Value[] => [...h].map(([k, v]) => [k, v]);

function filter(h: RHash, keep: (k: Value, v: Value) => boolean): RHash {
  return new Map([...h].filter(([k, v]) => keep(k, v)));
}

function merge(target: RHash, others: Value[], block: RBlock | null): RHash {
  for (const o of others) {
    if (!(o instanceof Map)) throw new RubyError(`no implicit conversion of ${withheld(o)} into Hash`);
    for (const [k, v] of o) hashSet(target, k, block && hashHas(target, k) ? block(k, hashGet(target, k), v) : v);
  }
  return target;
}

function deepMerge(a: RHash, b: RHash): RHash {
  const out = new Map(a);
  for (const [k, v] of b) {
    const old = hashGet(out, k);
    hashSet(out, k, old instanceof Map && v instanceof Map ? deepMerge(old, v) : v);
  }
  return out;
}

export const HASH_METHODS: MethodTable<RHash> = methodTable({
  '[]': (h, a) => (arity(a, 1), hashGet(h, a[0])),
  '[]=': (h, a) => (arity(a, 2), hashSet(h, a[0], a[1]), a[1]),
  store: (h, a) => (arity(a, 2), hashSet(h, a[0], a[1]), a[1]),
  fetch: (h, a, b) => {
    arity(a, 1, 2);
    if (hashHas(h, a[0])) return hashGet(h, a[0]);
    if (b) return b(a[0]);
    if (a.length > 1) return a[1];
    throw new RubyError(`key not found: ${inspect(a[0])}`);
  },
  dig: (h, a) => a.reduce<Value>((v, k) => (v === null ? null : send.fn(v, '[]', [k], null)), h),
  'key?': (h, a) => (arity(a, 1), hashHas(h, a[0])),
  'has_key?': (h, a) => (arity(a, 1), hashHas(h, a[0])),
  'include?': (h, a) => (arity(a, 1), hashHas(h, a[0])),
  'member?': (h, a) => (arity(a, 1), hashHas(h, a[0])),
  'value?': (h, a) => (arity(a, 1), [...h.values()].some((v) => equals(v, a[0]))),
  'has_value?': (h, a) => (arity(a, 1), [...h.values()].some((v) => equals(v, a[0]))),
  key: (h, a) => [...h].find(([, v]) => equals(v, a[0]))?.[0] ?? null,
  keys: (h) => [...h.keys()],
  values: (h) => [...h.values()],
  values_at: (h, a) => a.map((k) => hashGet(h, k)),
  fetch_values: (h, a) => a.map((k) => HASH_METHODS.fetch(h, [k], null)),
  length: (h) => h.size,
  size: (h) => h.size,
  count: (h, a, b) => (b ? pairs(h).filter((p) => truthy(b(p))).length : h.size),
  'empty?': (h) => h.size === 0,
  each: (h, a, b) => (pairs(h).forEach((p) => needBlock(b)(p)), h),
  each_pair: (h, a, b) => HASH_METHODS.each(h, a, b),
  each_key: (h, a, b) => ([...h.keys()].forEach((k) => needBlock(b)(k)), h),
  each_value: (h, a, b) => ([...h.values()].forEach((v) => needBlock(b)(v)), h),
  select: (h, a, b) => filter(h, (k, v) => truthy(needBlock(b)(k, v))),
  filter: (h, a, b) => filter(h, (k, v) => truthy(needBlock(b)(k, v))),
  reject: (h, a, b) => filter(h, (k, v) => !truthy(needBlock(b)(k, v))),
  filter_map: (h, a, b) =>
    pairs(h)
      .map((p) => needBlock(b)(p))
      .filter(truthy),
  compact: (h) => filter(h, (k, v) => v !== null),
  slice: (h, a) => filter(h, (k) => a.some((x) => equals(x, k))),
  except: (h, a) => filter(h, (k) => !a.some((x) => equals(x, k))),
  merge: (h, a, b) => merge(new Map(h), a, b),
  'merge!': (h, a, b) => merge(h, a, b),
  update: (h, a, b) => merge(h, a, b),
  deep_merge: (h, a) => deepMerge(h, a[0] as RHash),
  delete: (h, a) => {
    const v = hashGet(h, a[0]);
    for (const k of h.keys()) if (equals(k, a[0])) h.delete(k);
    return v;
  },
  transform_values: (h, a, b) => new Map([...h].map(([k, v]) => [k, needBlock(b)(v)])),
  transform_keys: (h, a, b) => new Map([...h].map(([k, v]) => [needBlock(b)(k), v])),
  invert: (h) => new Map([...h].map(([k, v]) => [v, k])),
  to_h: (h, a, b) => (b ? new Map(pairs(h).map((p) => b(p) as [Value, Value])) : h),
  to_a: (h) => pairs(h),
  sort: (h, a, b) => send.fn(pairs(h), 'sort', a, b),
  first: (h, a) => (a.length ? pairs(h).slice(0, a[0] as number) : (pairs(h)[0] ?? null)),
  'any?': (h, a, b) => (b ? pairs(h).some((p) => truthy(b(p))) : h.size > 0),
  'all?': (h, a, b) => pairs(h).every((p) => truthy(needBlock(b)(p))),
  'none?': (h, a, b) => !pairs(h).some((p) => truthy(needBlock(b)(p))),
  find: (h, a, b) => pairs(h).find((p) => truthy(needBlock(b)(p))) ?? null,
  detect: (h, a, b) => HASH_METHODS.find(h, a, b),
  min_by: (h, a, b) => send.fn(pairs(h), 'min_by', a, b),
  max_by: (h, a, b) => send.fn(pairs(h), 'max_by', a, b),
  sort_by: (h, a, b) => send.fn(pairs(h), 'sort_by', a, b),
  group_by: (h, a, b) => send.fn(pairs(h), 'group_by', a, b),
  partition: (h, a, b) => send.fn(pairs(h), 'partition', a, b),
  map: (h, a, b) => send.fn(pairs(h), 'map', a, b),
  collect: (h, a, b) => send.fn(pairs(h), 'map', a, b),
  flat_map: (h, a, b) => send.fn(pairs(h), 'flat_map', a, b),
  each_with_index: (h, a, b) => (b ? (pairs(h).forEach((p, i) => b(p, i)), h) : pairs(h).map((p, i) => [p, i])),
  each_with_object: (h, a, b) => send.fn(pairs(h), 'each_with_object', a, b),
  inject: (h, a, b) => send.fn(pairs(h), 'inject', a, b),
  reduce: (h, a, b) => send.fn(pairs(h), 'inject', a, b),
  sum: (h, a, b) => send.fn(pairs(h), 'sum', a, b),
  min: (h, a, b) => send.fn(pairs(h), 'min', a, b),
  max: (h, a, b) => send.fn(pairs(h), 'max', a, b),
  zip: (h, a, b) => send.fn(pairs(h), 'zip', a, b),
  dup: (h) => new Map(h),
  clone: (h) => new Map(h),
});
