/** Integer and Float methods: arithmetic with Ruby's integer division and modulo, rounding, times. */
import { RubyError } from './template-error';
import { arity, describeType, intArg, MethodTable, methodTable, needBlock } from './method-support';
import { compareOrFail, floatToS, isFloat, isNumeric, num, RFloat, Value } from './ruby-values';

type Num = number | RFloat;

/** A template looping longer than this is a mistake, not a configuration file. */
const MAX_ITERATIONS = 1_000_000;

export function arith(op: string, a: Num, b: Value): Value {
  if (!isNumeric(b))
    throw new RubyError(`${describeType(b)} can't be coerced into ${isFloat(a) ? 'Float' : 'Integer'}`);
  let float = isFloat(a) || isFloat(b);
  const x = num(a);
  const y = num(b);
  let r: number;
  switch (op) {
    case '+':
      r = x + y;
      break;
    case '-':
      r = x - y;
      break;
    case '*':
      r = x * y;
      break;
    case '/':
      if (!float && y === 0) throw new RubyError('divided by 0');
      r = float ? x / y : Math.floor(x / y);
      break;
    case '%':
      if (!float && y === 0) throw new RubyError('divided by 0');
      r = x - y * Math.floor(x / y);
      break;
    default:
      if (!float && y < 0) float = true;
      r = x ** y;
  }
  return float ? new RFloat(r) : r;
}

const wrap = (self: Num, r: number): Value => (isFloat(self) ? new RFloat(r) : r);

function roundTo(self: Num, args: Value[], fn: (n: number) => number): Value {
  arity(args, 0, 1);
  const digits = args.length ? intArg(args[0]) : 0;
  const f = 10 ** digits;
  if (!isFloat(self) && digits >= 0) return self;
  const r = fn(num(self) * f) / f;
  return digits > 0 ? new RFloat(r) : r;
}

/** Ruby rounds half away from zero. */
const roundHalfAway = (n: number) => Math.sign(n) * Math.round(Math.abs(n));

export const NUMBER_METHODS: MethodTable<Num> = methodTable({
  '+': (s, a) => (arity(a, 1), arith('+', s, a[0])),
  '-': (s, a) => (arity(a, 1), arith('-', s, a[0])),
  '*': (s, a) => (arity(a, 1), arith('*', s, a[0])),
  '/': (s, a) => (arity(a, 1), arith('/', s, a[0])),
  '%': (s, a) => (arity(a, 1), arith('%', s, a[0])),
  modulo: (s, a) => (arity(a, 1), arith('%', s, a[0])),
  div: (s, a) => {
    arity(a, 1);
    const q = arith('/', s, a[0]);
    return Math.floor(num(q as Num));
  },
  '**': (s, a) => (arity(a, 1), arith('**', s, a[0])),
  '-@': (s) => wrap(s, -num(s)),
  '<': (s, a) => (arity(a, 1), compareOrFail(s, a[0]) < 0),
  '>': (s, a) => (arity(a, 1), compareOrFail(s, a[0]) > 0),
  '<=': (s, a) => (arity(a, 1), compareOrFail(s, a[0]) <= 0),
  '>=': (s, a) => (arity(a, 1), compareOrFail(s, a[0]) >= 0),
  '<=>': (s, a) => (arity(a, 1), isNumeric(a[0]) ? compareOrFail(s, a[0]) : null),
  'between?': (s, a) => (arity(a, 2), compareOrFail(s, a[0]) >= 0 && compareOrFail(s, a[1]) <= 0),
  to_s: (s, a) => (
    arity(a, 0, 1),
    a.length ? Math.trunc(num(s)).toString(intArg(a[0])) : isFloat(s) ? floatToS(s.value) : String(s)
  ),
  to_i: (s) => Math.trunc(num(s)),
  to_int: (s) => Math.trunc(num(s)),
  to_f: (s) => new RFloat(num(s)),
  abs: (s) => wrap(s, Math.abs(num(s))),
  round: (s, a) => roundTo(s, a, roundHalfAway),
  floor: (s, a) => roundTo(s, a, Math.floor),
  ceil: (s, a) => roundTo(s, a, Math.ceil),
  truncate: (s, a) => roundTo(s, a, Math.trunc),
  'zero?': (s) => num(s) === 0,
  'positive?': (s) => num(s) > 0,
  'negative?': (s) => num(s) < 0,
  'even?': (s) => num(s) % 2 === 0,
  'odd?': (s) => Math.abs(num(s) % 2) === 1,
  'integer?': (s) => !isFloat(s),
  'nan?': (s) => Number.isNaN(num(s)),
  succ: (s) => wrap(s, num(s) + 1),
  next: (s) => wrap(s, num(s) + 1),
  pred: (s) => wrap(s, num(s) - 1),
  chr: (s) => String.fromCharCode(num(s)),
  times: (s, a, b) => {
    const n = num(s);
    if (n > MAX_ITERATIONS) throw new RubyError(`${n}.times: more than ${MAX_ITERATIONS} iterations`);
    if (!b) return Array.from({ length: Math.max(0, n) }, (_, i) => i);
    for (let i = 0; i < n; i++) needBlock(b)(i);
    return s;
  },
  upto: (s, a, b) => {
    arity(a, 1);
    const out: Value[] = [];
    const to = intArg(a[0]);
    if (to - num(s) > MAX_ITERATIONS) throw new RubyError(`upto: more than ${MAX_ITERATIONS} iterations`);
    for (let i = num(s); i <= to; i++) out.push(i);
    if (b) out.forEach((i) => b(i));
    return b ? s : out;
  },
  downto: (s, a, b) => {
    arity(a, 1);
    const out: Value[] = [];
    const to = intArg(a[0]);
    if (num(s) - to > MAX_ITERATIONS) throw new RubyError(`downto: more than ${MAX_ITERATIONS} iterations`);
    for (let i = num(s); i >= to; i--) out.push(i);
    if (b) out.forEach((i) => b(i));
    return b ? s : out;
  },
});
