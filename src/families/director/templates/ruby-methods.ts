/** Method dispatch on Ruby values: per-class tables, then Object's methods; nil, booleans, ranges, structs, constants. */
import path from 'node:path';
import { checkArrayLength, checkRegexSubject } from './render-limits';
import { RubyError } from './template-error';
import { ARRAY_METHODS, send } from './array-methods';
import { HASH_METHODS } from './hash-methods';
import { arity, describeType, intArg, Method, MethodTable, methodTable, nullPrototype, strArg } from './method-support';
import { NUMBER_METHODS } from './number-methods';
import { parseJson, parseYaml, toJson, toYaml } from './ruby-serialize';
import { format, STRING_METHODS, SYMBOL_METHODS } from './string-methods';
import {
  className,
  compare,
  equals,
  inspect,
  isA,
  isNumeric,
  num,
  RBlock,
  RConst,
  RFloat,
  RObject,
  RProc,
  RRange,
  RRegexp,
  RStruct,
  RSymbol,
  toS,
  truthy,
  Value,
  withheld,
} from './ruby-values';

function caseEquals(self: Value, other: Value): boolean {
  if (self instanceof RConst) return isA(other, self.name);
  if (self instanceof RRange) return rangeIncludes(self, other);
  if (self instanceof RRegexp) return typeof other === 'string' && self.js().test(checkRegexSubject(other));
  return equals(self, other);
}

function rangeIncludes(r: RRange, x: Value): boolean {
  const lo = r.from === null ? -1 : compare(r.from, x);
  const hi = r.to === null ? 1 : compare(r.to, x);
  return lo !== null && hi !== null && lo <= 0 && (r.exclusive ? hi > 0 : hi >= 0);
}

function rangeToArray(r: RRange): Value[] {
  if (typeof r.from === 'string' && typeof r.to === 'string' && r.from.length === 1 && r.to.length === 1) {
    const out: Value[] = [];
    for (let c = r.from.charCodeAt(0); c < r.to.charCodeAt(0) + (r.exclusive ? 0 : 1); c++)
      out.push(String.fromCharCode(c));
    return out;
  }
  if (typeof r.from !== 'number' || !(typeof r.to === 'number'))
    throw new RubyError(`can't iterate from ${className(r.from)}`);
  const out: Value[] = [];
  if (r.to - r.from > 1_000_000) throw new RubyError('range too large to iterate in a template');
  for (let i = r.from; r.exclusive ? i < r.to : i <= r.to; i++) out.push(i);
  return out;
}

const OBJECT_METHODS: MethodTable = methodTable({
  'nil?': (s) => s === null,
  '==': (s, a) => (arity(a, 1), equals(s, a[0])),
  'eql?': (s, a) => (arity(a, 1), equals(s, a[0]) && className(s) === className(a[0])),
  'equal?': (s, a) => (arity(a, 1), s === a[0]),
  '!=': (s, a) => (arity(a, 1), !equals(s, a[0])),
  '===': (s, a) => (arity(a, 1), caseEquals(s, a[0])),
  '=~': () => null,
  '<=>': (s, a) => (
    arity(a, 1),
    s instanceof RSymbol && a[0] instanceof RSymbol
      ? compare(s.name, a[0].name)
      : equals(s, a[0])
        ? 0
        : compare(s, a[0])
  ),
  '!': (s) => !truthy(s),
  'is_a?': (s, a) => (arity(a, 1), isA(s, constArg(a[0]))),
  'kind_of?': (s, a) => (arity(a, 1), isA(s, constArg(a[0]))),
  'instance_of?': (s, a) => (arity(a, 1), className(s) === constArg(a[0])),
  class: (s) => RConst.of(className(s)),
  'respond_to?': (s, a) => (arity(a, 1, 2), respondTo(s, toS(a[0]))),
  send: (s, a, b) => callMethod(s, toS(a[0]), a.slice(1), b),
  public_send: (s, a, b) => callMethod(s, toS(a[0]), a.slice(1), b),
  to_json: (s) => toJson(s),
  to_yaml: (s) => toYaml(s),
  inspect: (s) => inspect(s),
  to_s: (s) => toS(s),
  freeze: (s) => s,
  'frozen?': () => false,
  dup: (s) => (Array.isArray(s) ? s.slice() : s),
  clone: (s) => (Array.isArray(s) ? s.slice() : s),
  itself: (s) => s,
  tap: (s, a, b) => (b?.(s), s),
  then: (s, a, b) => (b ? b(s) : s),
  yield_self: (s, a, b) => (b ? b(s) : s),
});

function constArg(v: Value): string {
  if (!(v instanceof RConst)) throw new RubyError('class or module required');
  return v.name;
}

const NIL_METHODS: MethodTable<null> = methodTable({
  to_s: () => '',
  to_a: () => [],
  to_h: () => new Map(),
  to_i: () => 0,
  to_f: () => new RFloat(0),
  inspect: () => 'nil',
  '&': () => false,
  '|': (s, a) => truthy(a[0]),
});

const BOOL_METHODS: MethodTable<boolean> = methodTable({
  '&': (s, a) => s && truthy(a[0]),
  '|': (s, a) => s || truthy(a[0]),
  '^': (s, a) => s !== truthy(a[0]),
  to_s: (s) => String(s),
});

const RANGE_METHODS: MethodTable<RRange> = methodTable({
  first: (r, a) => (a.length ? rangeToArray(r).slice(0, intArg(a[0])) : r.from),
  begin: (r) => r.from,
  min: (r) => rangeToArray(r)[0] ?? null,
  last: (r, a) => (a.length ? rangeToArray(r).slice(-intArg(a[0])) : r.to),
  end: (r) => r.to,
  max: (r) => rangeToArray(r).pop() ?? null,
  'include?': (r, a) => (arity(a, 1), rangeIncludes(r, a[0])),
  'member?': (r, a) => (arity(a, 1), rangeIncludes(r, a[0])),
  'cover?': (r, a) => (arity(a, 1), rangeIncludes(r, a[0])),
  'exclude_end?': (r) => r.exclusive,
  each: (r, a, b) => (ARRAY_METHODS.each(rangeToArray(r), a, b), r),
  to_s: (r) => `${toS(r.from)}${r.exclusive ? '...' : '..'}${toS(r.to)}`,
  size: (r) => rangeToArray(r).length,
  step: (r, a, b) => {
    const step = intArg(a[0]);
    if (step <= 0) throw new RubyError("step can't be 0 or negative");
    const items = rangeToArray(r).filter((_, i) => i % step === 0);
    return b ? (items.forEach((x) => b(x)), r) : items;
  },
});

const STRUCT_METHODS: MethodTable<RStruct> = methodTable({
  to_h: (s) => new Map([...s.fields].map(([k, v]) => [RSymbol.of(k), v])),
  marshal_dump: (s) => new Map([...s.fields].map(([k, v]) => [RSymbol.of(k), v])),
  each_pair: (s, a, b) => ([...s.fields].forEach(([k, v]) => b?.(RSymbol.of(k), v)), s),
  '[]': (s, a) => (arity(a, 1), s.fields.get(toS(a[0])) ?? null),
  dig: (s, a) => a.reduce<Value>((v, k) => (v === null ? null : callMethod(v, '[]', [k], null)), s),
  'respond_to?': (s, a) => s.fields.has(toS(a[0])) || respondTo(s, toS(a[0])),
  to_s: (s) => inspect(s),
});

const REGEXP_METHODS: MethodTable<RRegexp> = methodTable({
  '=~': (r, a) => (typeof a[0] === 'string' ? (r.js().exec(checkRegexSubject(a[0]))?.index ?? null) : null),
  'match?': (r, a) => typeof a[0] === 'string' && r.js().test(checkRegexSubject(a[0])),
  match: (r, a, b) => STRING_METHODS.match(strArg(a[0]), [r], b),
  source: (r) => r.source,
  to_s: (r) => `(?-mix:${r.source})`,
});

const PROC_METHODS: MethodTable<RProc> = methodTable({
  call: (p, a) => p.fn(...a),
  '[]': (p, a) => p.fn(...a),
  to_proc: (p) => p,
});

const base64 = (s: Value, enc: BufferEncoding) => Buffer.from(strArg(s)).toString(enc);

/** Class methods: JSON, YAML, Base64, File, Shellwords, and `Hash.new`/`Array.new`. */
const CONST_METHODS: Record<string, MethodTable<RConst>> = nullPrototype<MethodTable<RConst>>({
  JSON: {
    dump: (c, a) => toJson(a[0]),
    generate: (c, a) => toJson(a[0]),
    pretty_generate: (c, a) => toJson(a[0], '  '),
    parse: (c, a) => parseJson(a[0]),
    load: (c, a) => parseJson(a[0]),
  },
  YAML: { dump: (c, a) => toYaml(a[0]), load: (c, a) => parseYaml(a[0]), safe_load: (c, a) => parseYaml(a[0]) },
  Base64: {
    encode64: (c, a) => base64(a[0], 'base64').replace(/(.{60})/g, '$1\n') + '\n',
    strict_encode64: (c, a) => base64(a[0], 'base64'),
    urlsafe_encode64: (c, a) => base64(a[0], 'base64url'),
    decode64: (c, a) => Buffer.from(strArg(a[0]), 'base64').toString('utf8'),
    strict_decode64: (c, a) => Buffer.from(strArg(a[0]), 'base64').toString('utf8'),
  },
  File: {
    join: (c, a) => path.posix.join(...a.flat().map(toS)),
    basename: (c, a) => path.posix.basename(strArg(a[0]), a.length > 1 ? strArg(a[1]) : undefined),
    dirname: (c, a) => path.posix.dirname(strArg(a[0])),
    extname: (c, a) => path.posix.extname(strArg(a[0])),
  },
  Shellwords: {
    escape: (c, a) => STRING_METHODS.shellescape(toS(a[0]), [], null),
    shellescape: (c, a) => STRING_METHODS.shellescape(toS(a[0]), [], null),
    join: (c, a) =>
      (a[0] as Value[]).map((x): string => STRING_METHODS.shellescape(toS(x), [], null) as string).join(' '),
  },
  Hash: { new: () => new Map() },
  Array: {
    new: (c, a) => {
      const n = a.length ? intArg(a[0]) : 0;
      if (n < 0) throw new RubyError('negative array size');
      checkArrayLength(n);
      return Array.from({ length: n }, () => a[1] ?? null);
    },
  },
  String: { new: (c, a) => (a.length ? strArg(a[0]) : '') },
});

const CONST_COMMON: MethodTable<RConst> = methodTable({
  name: (c) => c.name,
  to_s: (c) => c.name,
  '===': (c, a) => isA(a[0], c.name),
  '==': (c, a) => c === a[0],
});

function tableFor(self: Value): MethodTable<never> {
  if (self === null) return NIL_METHODS;
  if (typeof self === 'boolean') return BOOL_METHODS;
  if (isNumeric(self)) return NUMBER_METHODS;
  if (typeof self === 'string') return STRING_METHODS;
  if (Array.isArray(self)) return ARRAY_METHODS;
  if (self instanceof Map) return HASH_METHODS;
  if (self instanceof RSymbol) return SYMBOL_METHODS;
  if (self instanceof RRange) return RANGE_METHODS;
  if (self instanceof RStruct) return STRUCT_METHODS;
  if (self instanceof RRegexp) return REGEXP_METHODS;
  if (self instanceof RProc) return PROC_METHODS;
  if (self instanceof RObject) {
    return methodTable(
      Object.fromEntries(
        Object.entries(self.methods).map(([k, f]) => [k, (s: Value, a: Value[], b: RBlock | null) => f(a, b)]),
      ),
    );
  }
  if (self instanceof RConst) return methodTable<RConst>({ ...CONST_COMMON, ...(CONST_METHODS[self.name] ?? {}) });
  return methodTable({});
}

function lookup(self: Value, name: string): Method | undefined {
  return (tableFor(self) as MethodTable)[name] ?? OBJECT_METHODS[name];
}

export function respondTo(self: Value, name: string): boolean {
  return (
    lookup(self, name) !== undefined ||
    (self instanceof RRange && name in ARRAY_METHODS) ||
    (self instanceof RStruct && self.fields.has(name))
  );
}

/** `self.name(*args, &block)`. */
export function callMethod(self: Value, name: string, args: Value[], block: RBlock | null): Value {
  const m = lookup(self, name);
  if (m) return m(self, args, block);
  if (self instanceof RStruct && args.length === 0) return self.fields.get(name) ?? null;
  if (self instanceof RRange && ARRAY_METHODS[name]) return ARRAY_METHODS[name](rangeToArray(self), args, block);
  if (name.endsWith('!') && (Array.isArray(self) || self instanceof Map)) return inPlace(self, name, args, block);
  throw new RubyError(`undefined method '${name}' for ${receiverName(self)}`);
}

/** `sort!`, `uniq!`, `compact!`, `reject!`...: the plain method's result, written back into the array or hash. */
function inPlace(self: Value[] | Map<Value, Value>, name: string, args: Value[], block: RBlock | null): Value {
  const plain = name.slice(0, -1);
  if (!lookup(self, plain)) throw new RubyError(`undefined method '${name}' for ${receiverName(self)}`);
  const result = callMethod(self, plain, args, block);
  if (Array.isArray(self) && Array.isArray(result)) self.splice(0, self.length, ...result);
  else if (self instanceof Map && result instanceof Map) {
    const entries = [...result];
    self.clear();
    for (const [k, v] of entries) self.set(k, v);
  } else throw new RubyError(`undefined method '${name}' for ${receiverName(self)}`);
  return self;
}

export function receiverName(self: Value): string {
  if (self === null || typeof self === 'boolean') return describeType(self);
  if (self instanceof RConst) return `class ${self.name}`;
  return `an instance of ${className(self)}`;
}

send.fn = callMethod;

/** Kernel conversions: Integer(), Float(), String(), Array(), Hash(), format(). */
export const KERNEL_FUNCTIONS: Record<string, (args: Value[]) => Value> = nullPrototype({
  Integer: (a) => {
    const v = a[0];
    if (isNumeric(v)) return Math.trunc(num(v));
    const s = typeof v === 'string' ? v.trim().replace(/_/g, '') : '';
    if (!/^[+-]?(0x[0-9a-f]+|\d+)$/i.test(s)) throw new RubyError(`invalid value for Integer(): ${withheld(v)}`);
    return Number(s);
  },
  Float: (a) => {
    const v = a[0];
    const n = isNumeric(v) ? num(v) : typeof v === 'string' && v.trim() !== '' ? Number(v) : NaN;
    if (Number.isNaN(n)) throw new RubyError(`invalid value for Float(): ${withheld(v)}`);
    return new RFloat(n);
  },
  String: (a) => toS(a[0]),
  Array: (a) =>
    a[0] === null ? [] : Array.isArray(a[0]) ? a[0] : a[0] instanceof Map ? callMethod(a[0], 'to_a', [], null) : [a[0]],
  Hash: (a) => (a[0] === null ? new Map() : a[0]),
  format: (a) => format(strArg(a[0]), a.slice(1)),
  sprintf: (a) => format(strArg(a[0]), a.slice(1)),
});
