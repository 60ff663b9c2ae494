/** Ruby values in JS: nil is null, Integer a number, Float an RFloat, Hash a Map, plus symbols, ranges, structs. */
import { RubyError } from './template-error';

/** A block or proc: called with the values it yields. */
export type RBlock = (...args: Value[]) => Value;

export type Value =
  | null
  | boolean
  | number
  | string
  | RFloat
  | RSymbol
  | RRange
  | RStruct
  | RConst
  | RRegexp
  | RProc
  | RObject
  | Value[]
  | RHash;
export type RHash = Map<Value, Value>;

export class RFloat {
  constructor(readonly value: number) {}
}

export class RSymbol {
  private static table = new Map<string, RSymbol>();
  private constructor(readonly name: string) {}
  static of(name: string): RSymbol {
    let s = RSymbol.table.get(name);
    if (!s) RSymbol.table.set(name, (s = new RSymbol(name)));
    return s;
  }
}

/** A class or module name such as Hash, JSON or YAML. */
export class RConst {
  private static table = new Map<string, RConst>();
  private constructor(readonly name: string) {}
  static of(name: string): RConst {
    let c = RConst.table.get(name);
    if (!c) RConst.table.set(name, (c = new RConst(name)));
    return c;
  }
}

export class RRange {
  constructor(
    readonly from: Value,
    readonly to: Value,
    readonly exclusive: boolean,
  ) {}
}

/** An OpenStruct, as the Director builds `spec` and `properties`: unknown fields read as nil. */
export class RStruct {
  constructor(readonly fields: Map<string, Value>) {}
}

export class RRegexp {
  constructor(
    readonly source: string,
    readonly flags: string,
  ) {}
  js(global = false): RegExp {
    const src = this.source
      .replace(/\\A/g, '^')
      .replace(/\\[zZ]/g, '$')
      .replace(/\(\?<(\w+)>/g, '(?<$1>');
    return new RegExp(
      src,
      (global ? 'g' : '') + (this.flags.includes('i') ? 'i' : '') + (this.flags.includes('m') ? 's' : 'm'),
    );
  }
}

export class RProc {
  constructor(readonly fn: RBlock) {}
}

/** An object with its own methods, such as the value `if_p` returns (which answers `else`). */
export class RObject {
  constructor(
    readonly className: string,
    readonly methods: Record<string, (args: Value[], block: RBlock | null) => Value>,
  ) {}
}

export const isFloat = (v: Value): v is RFloat => v instanceof RFloat;
export const isNumeric = (v: Value): v is number | RFloat => typeof v === 'number' || v instanceof RFloat;
export const num = (v: number | RFloat): number => (typeof v === 'number' ? v : v.value);
export const truthy = (v: Value): boolean => v !== null && v !== false;

export function className(v: Value): string {
  if (v === null) return 'NilClass';
  if (v === true) return 'TrueClass';
  if (v === false) return 'FalseClass';
  if (typeof v === 'number') return 'Integer';
  if (typeof v === 'string') return 'String';
  if (Array.isArray(v)) return 'Array';
  if (v instanceof Map) return 'Hash';
  if (v instanceof RFloat) return 'Float';
  if (v instanceof RSymbol) return 'Symbol';
  if (v instanceof RRange) return 'Range';
  if (v instanceof RStruct) return 'OpenStruct';
  if (v instanceof RRegexp) return 'Regexp';
  if (v instanceof RProc) return 'Proc';
  if (v instanceof RObject) return v.className;
  return 'Class';
}

const ANCESTORS: Record<string, string[]> = {
  Integer: ['Numeric', 'Comparable'],
  Float: ['Numeric', 'Comparable'],
  String: ['Comparable'],
  Array: ['Enumerable'],
  Hash: ['Enumerable'],
  Range: ['Enumerable'],
};

export function isA(v: Value, klass: string): boolean {
  const own = className(v);
  return own === klass || klass === 'Object' || klass === 'BasicObject' || (ANCESTORS[own] ?? []).includes(klass);
}

/** Ruby's Float#to_s: always a decimal point, exponent form for very large or small values. */
export function floatToS(n: number): string {
  if (Number.isNaN(n)) return 'NaN';
  if (!Number.isFinite(n)) return n > 0 ? 'Infinity' : '-Infinity';
  const abs = Math.abs(n);
  if (abs !== 0 && (abs >= 1e16 || abs < 1e-4)) {
    const [m, e] = n.toExponential().split('e');
    const digits = e.replace(/^[+-]/, '').padStart(2, '0');
    return `${m.includes('.') ? m : `${m}.0`}e${e.startsWith('-') ? '-' : '+'}${digits}`;
  }
  return Number.isInteger(n) ? `${n}.0` : String(n);
}

export function toS(v: Value): string {
  if (v === null) return '';
  if (typeof v === 'string') return v;
  if (v instanceof RSymbol) return v.name;
  if (v instanceof RConst) return v.name;
  return inspect(v);
}

export function inspect(v: Value): string {
  if (v === null) return 'nil';
  if (typeof v === 'boolean' || typeof v === 'number') return String(v);
  if (typeof v === 'string') return inspectString(v);
  if (v instanceof RFloat) return floatToS(v.value);
  if (v instanceof RSymbol)
    return /^[A-Za-z_][A-Za-z0-9_]*[?!=]?$/.test(v.name) ? `:${v.name}` : `:${inspectString(v.name)}`;
  if (Array.isArray(v)) return `[${v.map(inspect).join(', ')}]`;
  if (v instanceof Map) return `{${[...v].map(([k, x]) => `${inspect(k)}=>${inspect(x)}`).join(', ')}}`;
  if (v instanceof RRange) return `${inspect(v.from)}${v.exclusive ? '...' : '..'}${inspect(v.to)}`;
  if (v instanceof RStruct) return `#<OpenStruct ${[...v.fields].map(([k, x]) => `${k}=${inspect(x)}`).join(', ')}>`;
  if (v instanceof RRegexp) return `/${v.source}/${v.flags}`;
  if (v instanceof RConst) return v.name;
  if (v instanceof RObject) return `#<${v.className}>`;
  return '#<Proc>';
}

const STRING_ESCAPES: Record<string, string> = {
  '\n': '\\n',
  '\t': '\\t',
  '\r': '\\r',
  '"': '\\"',
  '\\': '\\\\',
  '\x1b': '\\e',
  '\0': '\\0',
};

export function inspectString(s: string): string {
  // ESC and NUL are among the characters Ruby's String#inspect escapes.
  // eslint-disable-next-line no-control-regex
  return `"${s.replace(/["\\\n\t\r\x1b\0]|#(?=[{$@])/g, (c) => STRING_ESCAPES[c] ?? `\\${c}`)}"`;
}

export function equals(a: Value, b: Value): boolean {
  if (isNumeric(a) && isNumeric(b)) return num(a) === num(b);
  if (Array.isArray(a) && Array.isArray(b)) return a.length === b.length && a.every((x, i) => equals(x, b[i]));
  if (a instanceof Map && b instanceof Map) {
    if (a.size !== b.size) return false;
    for (const [k, x] of a) if (!hashHas(b, k) || !equals(x, hashGet(b, k))) return false;
    return true;
  }
  if (a instanceof RStruct && b instanceof RStruct) return equals(new Map(a.fields), new Map(b.fields));
  if (a instanceof RRange && b instanceof RRange)
    return equals(a.from, b.from) && equals(a.to, b.to) && a.exclusive === b.exclusive;
  return a === b;
}

/** `<=>`: a negative, zero or positive number, or null when the values don't compare. */
export function compare(a: Value, b: Value): number | null {
  if (isNumeric(a) && isNumeric(b)) return Math.sign(num(a) - num(b));
  if (typeof a === 'string' && typeof b === 'string') return a < b ? -1 : a > b ? 1 : 0;
  if (Array.isArray(a) && Array.isArray(b)) {
    for (let i = 0; i < Math.min(a.length, b.length); i++) {
      const c = compare(a[i], b[i]);
      if (c !== 0) return c;
    }
    return Math.sign(a.length - b.length);
  }
  return null;
}

/**
 * How an error message names a value without quoting it: template values include the deployment's
 * secrets, and an error message travels to the task's result, its event log and the events.
 */
export function withheld(v: Value): string {
  return v === null ? 'nil' : typeof v === 'boolean' ? String(v) : `${className(v)} (value not shown)`;
}

export function compareOrFail(a: Value, b: Value): number {
  const c = compare(a, b);
  if (c === null) throw new RubyError(`comparison of ${className(a)} with ${withheld(b)} failed`);
  return c;
}

/** Hash lookups: keys are JS-identical for strings, integers, symbols; other keys compare with `==`. */
function findKey(h: RHash, k: Value): { found: boolean; key: Value } {
  if (h.has(k)) return { found: true, key: k };
  if (typeof k === 'object' && k !== null) for (const key of h.keys()) if (equals(key, k)) return { found: true, key };
  return { found: false, key: k };
}

export const hashHas = (h: RHash, k: Value): boolean => findKey(h, k).found;
export const hashGet = (h: RHash, k: Value): Value => {
  const f = findKey(h, k);
  return f.found ? (h.get(f.key) ?? null) : null;
};
export const hashSet = (h: RHash, k: Value, v: Value): void => {
  h.set(findKey(h, k).key, v);
};

/** Properties (plain JSON/YAML data) as Ruby values. */
export function fromJs(x: unknown): Value {
  if (x === null || x === undefined) return null;
  if (typeof x === 'string' || typeof x === 'boolean') return x;
  if (typeof x === 'number') return Number.isInteger(x) ? x : new RFloat(x);
  if (typeof x === 'bigint') return Number(x);
  if (Array.isArray(x)) return x.map(fromJs);
  if (x instanceof Map) return new Map([...x].map(([k, v]) => [fromJs(k), fromJs(v)]));
  if (x instanceof Date) return x.toISOString();
  if (typeof x === 'object') return new Map(Object.entries(x).map(([k, v]) => [k, fromJs(v)]));
  // What is left: a symbol or a function, which JSON-like values do not hold.
  return typeof x === 'symbol' ? x.toString() : typeof x === 'function' ? x.toString() : '';
}

/** Ruby values as plain data (for YAML): symbols become `:name` strings as Psych writes them. */
export function toJs(v: Value, symbol = (s: RSymbol) => `:${s.name}`): unknown {
  if (v instanceof RFloat) return v.value;
  if (v instanceof RSymbol) return symbol(v);
  if (Array.isArray(v)) return v.map((x) => toJs(x, symbol));
  if (v instanceof Map)
    return Object.fromEntries(
      [...v].map(([k, x]) => [typeof k === 'string' ? k : k instanceof RSymbol ? symbol(k) : toS(k), toJs(x, symbol)]),
    );
  if (v instanceof RStruct) return toJs(new Map(v.fields), symbol);
  if (v instanceof RRange || v instanceof RRegexp || v instanceof RConst || v instanceof RProc || v instanceof RObject)
    return inspect(v);
  return v;
}
