/** String and Symbol methods, and Kernel#format. */
import { checkRegexSubject, checkStringLength } from './render-limits';
import { RubyError } from './template-error';
import { arity, intArg, MethodTable, methodTable, needBlock, sliceBounds, strArg } from './method-support';
import {
  inspect,
  isNumeric,
  num,
  RBlock,
  RFloat,
  RRange,
  RRegexp,
  RSymbol,
  toS,
  Value,
  compareOrFail,
  withheld,
} from './ruby-values';

const rangeOf = (v: Value) =>
  v instanceof RRange
    ? { from: intArg(v.from), to: v.to === null ? null : intArg(v.to), exclusive: v.exclusive }
    : null;

/** `v` as a JS regular expression for matching against `subject` (refused when the subject is too long to match safely). */
function pattern(v: Value, global: boolean, subject: string): RegExp {
  if (v instanceof RRegexp) {
    checkRegexSubject(subject);
    return v.js(global);
  }
  return new RegExp(strArg(v).replace(/[.*+?^${}()|[\]\\]/g, '\\$&'), global ? 'g' : '');
}

/** Ruby's replacement strings: `\0`/`\&` the match, `\1`.. groups, `\\` a backslash. */
function replacer(args: Value[], block: RBlock | null): (m: string, ...rest: unknown[]) => string {
  if (args.length < 2) {
    const b = needBlock(block);
    return (m) => toS(b(m));
  }
  if (args[1] instanceof Map) {
    const h = args[1];
    return (m) => toS(h.get(m) ?? null);
  }
  const repl = strArg(args[1]);
  return (m, ...rest) => {
    const groups = rest.slice(
      0,
      rest.findIndex((x) => typeof x === 'number'),
    );
    return repl.replace(/\\(\d|&|\\)/g, (_, g: string) =>
      g === '\\' ? '\\' : g === '&' || g === '0' ? m : ((groups[Number(g) - 1] as string | undefined) ?? ''),
    );
  };
}

function split(s: string, args: Value[]): Value {
  arity(args, 0, 2);
  const limit = args.length > 1 ? intArg(args[1]) : 0;
  let parts: string[];
  if (args.length === 0 || args[0] === null || args[0] === ' ') parts = s.trim() === '' ? [] : s.trim().split(/\s+/);
  else if (args[0] === '') parts = [...s];
  else parts = s.split(pattern(args[0], true, s));
  if (limit > 0 && parts.length > limit) {
    const sep = typeof args[0] === 'string' && args[0] !== ' ' ? args[0] : null;
    if (sep !== null) parts = [...parts.slice(0, limit - 1), parts.slice(limit - 1).join(sep)];
  }
  if (limit === 0) while (parts.length && parts[parts.length - 1] === '') parts.pop();
  return parts;
}

/** Kernel#format / String#%: %s %d %i %f %x %o %b %e %g %%, with flags, width and precision. */
export function format(fmt: string, args: Value[]): string {
  let i = 0;
  const nextArg = () => {
    if (i >= args.length) throw new RubyError('too few arguments');
    return args[i++];
  };
  return fmt.replace(
    /%([-+ 0#]*)(\d+|\*)?(?:\.(\d+))?([sdifxXobeEgGp%])/g,
    (_, flags: string, w: string | undefined, prec: string | undefined, conv: string) => {
      if (conv === '%') return '%';
      const width = w === '*' ? intArg(nextArg()) : w ? Number(w) : 0;
      checkStringLength(width);
      const arg = nextArg();
      let body: string;
      if (conv === 's') body = prec ? toS(arg).slice(0, Number(prec)) : toS(arg);
      else if (conv === 'p') body = inspect(arg);
      else {
        const n = isNumeric(arg)
          ? num(arg)
          : typeof arg === 'string' && arg.trim() !== '' && !Number.isNaN(Number(arg))
            ? Number(arg)
            : NaN;
        if (Number.isNaN(n)) throw new RubyError(`invalid value for Integer(): ${withheld(arg)}`);
        if ('di'.includes(conv)) body = String(Math.trunc(n));
        else if ('xX'.includes(conv)) body = Math.trunc(n).toString(16);
        else if (conv === 'o') body = Math.trunc(n).toString(8);
        else if (conv === 'b') body = Math.trunc(n).toString(2);
        else if ('eE'.includes(conv)) body = n.toExponential(prec ? Number(prec) : 6).replace(/e([+-])(\d)$/, 'e$10$2');
        else if ('gG'.includes(conv)) body = String(Number(n.toPrecision(prec ? Number(prec) : 6)));
        else body = n.toFixed(prec ? Number(prec) : 6);
        if (conv === 'X' || conv === 'E' || conv === 'G') body = body.toUpperCase();
        if (flags.includes('+') && n >= 0) body = `+${body}`;
        else if (flags.includes(' ') && n >= 0) body = ` ${body}`;
      }
      if (body.length >= width) return body;
      if (flags.includes('-')) return body.padEnd(width);
      if (flags.includes('0') && conv !== 's') {
        const sign = /^[+ -]/.test(body) ? body[0] : '';
        return sign + body.slice(sign.length).padStart(width - sign.length, '0');
      }
      return body.padStart(width);
    },
  );
}

/** A padding width, refused before the padding is built when the result would be too large. */
function width(v: Value): number {
  const w = intArg(v);
  checkStringLength(w);
  return w;
}

function toI(s: string): number {
  const m = /^\s*[+-]?\d[\d_]*/.exec(s);
  return m ? parseInt(m[0].replace(/_/g, ''), 10) : 0;
}

function shellescape(s: string): string {
  if (s === '') return "''";
  return s.replace(/[^A-Za-z0-9_\-.,:+/@\n]/g, '\\$&').replace(/\n/g, "'\n'");
}

export const STRING_METHODS: MethodTable<string> = methodTable({
  '+': (s, a) => (arity(a, 1), s + strArg(a[0])),
  '*': (s, a) => {
    arity(a, 1);
    if (intArg(a[0]) < 0) throw new RubyError('negative argument');
    checkStringLength(s.length * intArg(a[0]));
    return s.repeat(intArg(a[0]));
  },
  '%': (s, a) => (arity(a, 1), format(s, Array.isArray(a[0]) ? a[0] : [a[0]])),
  '<': (s, a) => (arity(a, 1), compareOrFail(s, a[0]) < 0),
  '>': (s, a) => (arity(a, 1), compareOrFail(s, a[0]) > 0),
  '<=': (s, a) => (arity(a, 1), compareOrFail(s, a[0]) <= 0),
  '>=': (s, a) => (arity(a, 1), compareOrFail(s, a[0]) >= 0),
  '<=>': (s, a) => (arity(a, 1), typeof a[0] === 'string' ? compareOrFail(s, a[0]) : null),
  '=~': (s, a) => {
    arity(a, 1);
    const m = pattern(a[0], false, s).exec(s);
    return m ? m.index : null;
  },
  'match?': (s, a) => (arity(a, 1), pattern(a[0], false, s).test(s)),
  match: (s, a) => {
    arity(a, 1);
    const m = pattern(a[0], false, s).exec(s);
    return m ? [...m].map((x) => x ?? null) : null;
  },
  scan: (s, a) => (
    arity(a, 1),
    [...s.matchAll(pattern(a[0], true, s))].map((m) => (m.length > 1 ? m.slice(1).map((x) => x ?? null) : m[0]))
  ),
  '[]': (s, a) => {
    arity(a, 1, 2);
    if (typeof a[0] === 'string') return s.includes(a[0]) ? a[0] : null;
    if (a[0] instanceof RRegexp) return pattern(a[0], false, s).exec(s)?.[a.length > 1 ? intArg(a[1]) : 0] ?? null;
    const b = sliceBounds(s.length, a, rangeOf);
    return b ? s.substr(b.start, b.len) : null;
  },
  slice: (s, a, b) => STRING_METHODS['[]'](s, a, b),
  to_s: (s) => s,
  to_str: (s) => s,
  to_sym: (s) => RSymbol.of(s),
  to_i: (s) => toI(s),
  to_f: (s) => {
    const m = /^\s*[+-]?(\d[\d_]*)?(\.\d+)?([eE][+-]?\d+)?/.exec(s);
    return new RFloat(m && m[0].trim() ? Number(m[0].replace(/_/g, '')) || 0 : 0);
  },
  length: (s) => [...s].length,
  size: (s) => [...s].length,
  bytesize: (s) => Buffer.byteLength(s),
  upcase: (s) => s.toUpperCase(),
  downcase: (s) => s.toLowerCase(),
  capitalize: (s) => s.charAt(0).toUpperCase() + s.slice(1).toLowerCase(),
  swapcase: (s) => [...s].map((c) => (c === c.toUpperCase() ? c.toLowerCase() : c.toUpperCase())).join(''),
  strip: (s) => s.replace(/^[\s\0]+|[\s\0]+$/g, ''),
  lstrip: (s) => s.replace(/^\s+/, ''),
  rstrip: (s) => s.replace(/[\s\0]+$/, ''),
  chomp: (s, a) =>
    a.length
      ? s.endsWith(strArg(a[0]))
        ? s.slice(0, s.length - (a[0] as string).length)
        : s
      : s.replace(/\r?\n$|\r$/, ''),
  chop: (s) => s.slice(0, -1),
  chars: (s) => [...s],
  lines: (s) => s.split(/(?<=\n)/).filter((l) => l !== ''),
  reverse: (s) => [...s].reverse().join(''),
  'include?': (s, a) => (arity(a, 1), s.includes(strArg(a[0]))),
  'start_with?': (s, a) =>
    a.some((p) =>
      p instanceof RRegexp ? new RegExp(`^(?:${p.js().source})`).test(checkRegexSubject(s)) : s.startsWith(strArg(p)),
    ),
  'end_with?': (s, a) => a.some((p) => s.endsWith(strArg(p))),
  'empty?': (s) => s.length === 0,
  index: (s, a) => {
    const i = a[0] instanceof RRegexp ? checkRegexSubject(s).search(a[0].js()) : s.indexOf(strArg(a[0]));
    return i < 0 ? null : i;
  },
  count: (s, a) => (arity(a, 1), [...s].filter((c) => strArg(a[0]).includes(c)).length),
  sub: (s, a, b) => (arity(a, 1, 2), s.replace(pattern(a[0], false, s), replacer(a, b))),
  gsub: (s, a, b) => (arity(a, 1, 2), s.replace(pattern(a[0], true, s), replacer(a, b))),
  tr: (s, a) => {
    arity(a, 2);
    const from = strArg(a[0]);
    const to = strArg(a[1]);
    return [...s].map((c) => (from.includes(c) ? (to[Math.min(from.indexOf(c), to.length - 1)] ?? '') : c)).join('');
  },
  delete: (s, a) => [...s].filter((c) => !strArg(a[0]).includes(c)).join(''),
  squeeze: (s) => s.replace(/(.)\1+/g, '$1'),
  split: (s, a) => split(s, a),
  ljust: (s, a) => (arity(a, 1, 2), s.padEnd(width(a[0]), a.length > 1 ? strArg(a[1]) : ' ')),
  rjust: (s, a) => (arity(a, 1, 2), s.padStart(width(a[0]), a.length > 1 ? strArg(a[1]) : ' ')),
  center: (s, a) => {
    const w = width(a[0]);
    const left = Math.floor((w - s.length) / 2);
    return w <= s.length ? s : ' '.repeat(left) + s + ' '.repeat(w - s.length - left);
  },
  each_line: (s, a, b) => {
    (STRING_METHODS.lines(s, [], null) as string[]).forEach((l) => needBlock(b)(l));
    return s;
  },
  each_char: (s, a, b) => {
    [...s].forEach((c) => needBlock(b)(c));
    return s;
  },
  shellescape: (s) => shellescape(s),
  encode: (s) => s,
  force_encoding: (s) => s,
  unpack1: (s, a) => {
    if (a[0] === 'm' || a[0] === 'm0') return Buffer.from(s, 'base64').toString('utf8');
    throw new RubyError(`unpack1 format ${inspect(a[0])} is not supported`);
  },
  // No UTF-16 code unit past 0x7f (a surrogate half counts as past it).
  'ascii_only?': (s) => !/[\u0080-\uffff]/.test(s),
  succ: (s) => s.slice(0, -1) + String.fromCharCode(s.charCodeAt(s.length - 1) + 1),
  hex: (s) => parseInt(s, 16) || 0,
  ord: (s) => s.codePointAt(0) ?? null,
  concat: (s, a) => s + a.map(strArg).join(''),
  prepend: (s, a) => a.map(strArg).join('') + s,
  freeze: (s) => s,
  dup: (s) => s,
  'frozen?': () => true,
});

export const SYMBOL_METHODS: MethodTable<RSymbol> = methodTable({
  to_s: (s) => s.name,
  id2name: (s) => s.name,
  name: (s) => s.name,
  to_sym: (s) => s,
  length: (s) => s.name.length,
  size: (s) => s.name.length,
  upcase: (s) => RSymbol.of(s.name.toUpperCase()),
  downcase: (s) => RSymbol.of(s.name.toLowerCase()),
  '<=>': (s, a) => (a[0] instanceof RSymbol ? compareOrFail(s.name, a[0].name) : null),
  '[]': (s, a, b) => STRING_METHODS['[]'](s.name, a, b),
});
