/** Shared shapes and checks for the built-in method tables. */
import { RubyError } from './template-error';
import { className, RBlock, Value } from './ruby-values';

export type Method<T = Value> = (self: T, args: Value[], block: RBlock | null) => Value;
export type MethodTable<T = Value> = Record<string, Method<T>>;

export function arity(args: Value[], min: number, max = min): void {
  if (args.length < min || args.length > max) {
    const expected = min === max ? `${min}` : max === Infinity ? `${min}+` : `${min}..${max}`;
    throw new RubyError(`wrong number of arguments (given ${args.length}, expected ${expected})`);
  }
}

export function needBlock(block: RBlock | null): RBlock {
  if (!block) throw new RubyError('no block given (yield)');
  return block;
}

export function intArg(v: Value): number {
  if (typeof v !== 'number') throw new RubyError(`no implicit conversion of ${describeType(v)} into Integer`);
  return v;
}

export function arrArg(v: Value): Value[] {
  if (!Array.isArray(v)) throw new RubyError(`no implicit conversion of ${describeType(v)} into Array`);
  return v;
}

export function strArg(v: Value): string {
  if (typeof v !== 'string') throw new RubyError(`no implicit conversion of ${describeType(v)} into String`);
  return v;
}

export function describeType(v: Value): string {
  return v === null ? 'nil' : v === true ? 'true' : v === false ? 'false' : className(v);
}

/** Start and length of `[]`'s index forms (index, start+length, range) over a sequence of `size`. */
export function sliceBounds(
  size: number,
  args: Value[],
  rangeOf: (v: Value) => { from: number; to: number | null; exclusive: boolean } | null,
): { start: number; len: number; single: boolean } | null {
  const range = args.length === 1 ? rangeOf(args[0]) : null;
  if (range) {
    const start = range.from < 0 ? range.from + size : range.from;
    let end = range.to === null ? size : range.to < 0 ? range.to + size : range.to;
    if (!range.exclusive || range.to === null) end += range.to === null ? 0 : 1;
    if (start < 0 || start > size) return null;
    end = Math.min(end, size);
    return { start, len: Math.max(0, end - start), single: false };
  }
  let start = intArg(args[0]);
  if (start < 0) start += size;
  if (args.length === 2) {
    const len = intArg(args[1]);
    if (start < 0 || start > size || len < 0) return null;
    return { start, len: Math.min(len, size - start), single: false };
  }
  if (start < 0 || start >= size) return null;
  return { start, len: 1, single: true };
}

/**
 * A copy of `entries` without a prototype. Templates name methods freely (`send(:constructor)`, `x.__proto__`,
 * `toString`): looked up in an ordinary object those names would reach Object.prototype's members.
 */
export function nullPrototype<T>(entries: Record<string, T>): Record<string, T> {
  return Object.assign(Object.create(null) as Record<string, T>, entries);
}

/** A method table without a prototype (see nullPrototype). */
export function methodTable<T = Value>(methods: MethodTable<T>): MethodTable<T> {
  return nullPrototype(methods);
}
