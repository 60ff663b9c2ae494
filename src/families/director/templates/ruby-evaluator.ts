/** Evaluates a compiled template's statements, writing text and `<%= %>` values to the output. */
import { BlockNode, Node, NodeOf, Param } from './ruby-ast';
import { callMethod, KERNEL_FUNCTIONS, respondTo } from './ruby-methods';
import { hashSet, RBlock, RConst, RObject, RFloat, RRange, RRegexp, RSymbol, toS, truthy, Value } from './ruby-values';
import { checkArrayLength, checkStringLength, MAX_OUTPUT_LENGTH, RenderBudget } from './render-limits';
import { RubyError } from './template-error';

/** Methods of the template's `self`: p, if_p, spec... Answers undefined for a name it doesn't know. */
export interface TemplateSelf {
  call(name: string, args: Value[], block: RBlock | null): Value | undefined;
  /** Whether `name` is one of its methods (for `defined?`). */
  has(name: string): boolean;
}

const KNOWN_CONSTANTS = new Set([
  'JSON',
  'YAML',
  'Psych',
  'Base64',
  'File',
  'Shellwords',
  'Hash',
  'Array',
  'String',
  'Integer',
  'Float',
  'Numeric',
  'Symbol',
  'NilClass',
  'TrueClass',
  'FalseClass',
  'Object',
  'Range',
  'Regexp',
  'OpenStruct',
  'Comparable',
  'Enumerable',
  'Proc',
  'StandardError',
  'RuntimeError',
  'ArgumentError',
  'KeyError',
  'TypeError',
  'IndexError',
  'NameError',
  'NoMethodError',
]);
const MAX_LOOP = 1_000_000;

class Scope {
  private vars = new Map<string, Value>();
  constructor(private readonly parent: Scope | null) {}

  /** The innermost scope (this one or an enclosing one) where `name` is defined, or null. */
  private holder(name: string): Scope | null {
    return this.vars.has(name) ? this : (this.parent?.holder(name) ?? null);
  }

  get(name: string): Value {
    return this.holder(name)?.vars.get(name) ?? null;
  }

  /** Assigns where the variable is defined (a block sees its method's locals), else defines it here. */
  set(name: string, value: Value): void {
    (this.holder(name) ?? this).vars.set(name, value);
  }

  define(name: string, value: Value): void {
    this.vars.set(name, value);
  }
}

class Jump {
  constructor(
    readonly kind: 'next' | 'break' | 'return',
    readonly value: Value,
    readonly line: number,
  ) {}
}

export class Evaluator {
  private readonly out: string[] = [];
  private outLength = 0;
  private readonly defs = new Map<string, NodeOf<'def'>>();

  /** One budget for the whole render: every node, loop iteration, block and method call draws on it. */
  constructor(
    private readonly self: TemplateSelf,
    private readonly budget = new RenderBudget(),
  ) {}

  run(program: Node[]): string {
    try {
      this.body(program, new Scope(null));
    } catch (e) {
      if (e instanceof Jump) throw new RubyError(`Invalid ${e.kind}`, e.line);
      throw e;
    }
    return this.out.join('');
  }

  private body(nodes: Node[], scope: Scope): Value {
    let last: Value = null;
    for (const n of nodes) last = this.eval(n, scope);
    return last;
  }

  private eval(node: Node, scope: Scope): Value {
    try {
      this.budget.charge();
      return this.evalNode(node, scope);
    } catch (e) {
      if (e instanceof Jump) throw e;
      if (e instanceof RubyError) {
        if (e.line === undefined) e.line = node.line;
        throw e;
      }
      // JavaScript's stack overflow, as Ruby names it (a def calling itself without end). Whatever this
      // check calls may overflow again, near the bottom: that error is caught one frame up, and so on.
      if (e instanceof RangeError && e.message.endsWith('Maximum call stack size exceeded'))
        throw new RubyError('stack level too deep', node.line);
      throw new RubyError(e instanceof Error ? e.message : String(e), node.line);
    }
  }

  private evalNode(node: Node, scope: Scope): Value {
    switch (node.kind) {
      case 'text':
        this.write(node.text);
        return null;
      case 'output':
        this.write(toS(this.eval(node.expr, scope)));
        return null;
      case 'nil':
        return null;
      case 'true':
        return true;
      case 'false':
        return false;
      case 'self':
        throw new RubyError("'self' is only supported as a method receiver");
      case 'int':
        return node.value;
      case 'float':
        return new RFloat(node.value);
      case 'str':
        return this.produced(
          node.parts.map((p) => (typeof p === 'string' ? p : toS(this.eval(p, scope)))).join(''),
          null,
          [],
        );
      case 'sym':
        return RSymbol.of(node.name);
      case 'regex':
        return new RRegexp(node.source, node.flags);
      case 'array':
        return this.args(node.items, scope);
      case 'splat':
        throw new RubyError('a splat (*) is only supported among arguments and array elements');
      case 'defined':
        return this.defined(node.expr, scope);
      case 'hash': {
        const h = new Map<Value, Value>();
        for (const [k, v] of node.pairs) hashSet(h, this.eval(k, scope), this.eval(v, scope));
        return h;
      }
      case 'range':
        return new RRange(this.eval(node.from, scope), this.eval(node.to, scope), node.exclusive);
      case 'var':
        return scope.get(node.name);
      case 'const':
        if (!KNOWN_CONSTANTS.has(node.name)) throw new RubyError(`uninitialized constant ${node.name}`);
        return RConst.of(node.name === 'Psych' ? 'YAML' : node.name);
      case 'assign': {
        const v = this.eval(node.value, scope);
        scope.set(node.name, v);
        return v;
      }
      case 'opassign':
        return this.opAssign(node, scope);
      case 'indexassign': {
        const recv = this.eval(node.target, scope);
        const args = node.args.map((a) => this.eval(a, scope));
        const v = this.eval(node.value, scope);
        callMethod(recv, '[]=', [...args, v], null);
        return v;
      }
      case 'call':
        return this.call(node, scope);
      case 'and': {
        const l = this.eval(node.left, scope);
        return truthy(l) ? this.eval(node.right, scope) : l;
      }
      case 'or': {
        const l = this.eval(node.left, scope);
        return truthy(l) ? l : this.eval(node.right, scope);
      }
      case 'not':
        return !truthy(this.eval(node.expr, scope));
      case 'if':
        return this.body(truthy(this.eval(node.cond, scope)) ? node.then : node.else, scope);
      case 'case':
        return this.evalCase(node, scope);
      case 'while': {
        let n = 0;
        while (truthy(this.eval(node.cond, scope)) !== node.until) {
          if (++n > MAX_LOOP) throw new RubyError(`loop ran more than ${MAX_LOOP} times`);
          try {
            this.body(node.body, scope);
          } catch (e) {
            if (!(e instanceof Jump)) throw e;
            if (e.kind === 'break') return e.value;
          }
        }
        return null;
      }
      case 'seq':
        return this.body(node.body, scope);
      case 'rescue':
        try {
          return this.body(node.body, scope);
        } catch (e) {
          if (e instanceof Jump) throw e;
          if (node.errorVar) scope.set(node.errorVar, errorObject(e));
          return this.body(node.rescue, scope);
        }
      case 'next':
      case 'break':
      case 'return':
        // A Jump is control flow (next, break, return) unwinding to its block or method, not a failure: it
        // carries no stack, and every catch that sees it rethrows or consumes it.
        // eslint-disable-next-line @typescript-eslint/only-throw-error
        throw new Jump(node.kind, node.value ? this.eval(node.value, scope) : null, node.line);
      case 'def':
        this.defs.set(node.name, node);
        return RSymbol.of(node.name);
    }
  }

  private evalCase(node: NodeOf<'case'>, scope: Scope): Value {
    const subject = node.subject ? this.eval(node.subject, scope) : null;
    for (const w of node.whens) {
      for (const v of w.values) {
        const pattern = this.eval(v, scope);
        const hit = node.subject ? truthy(callMethod(pattern, '===', [subject], null)) : truthy(pattern);
        if (hit) return this.body(w.body, scope);
      }
    }
    return node.else ? this.body(node.else, scope) : null;
  }

  /** `x += 1`, `x ||= y`, `h[k] ||= y`. */
  private opAssign(node: NodeOf<'opassign'>, scope: Scope): Value {
    const t = node.target;
    let get: () => Value;
    let set: (v: Value) => void;
    if (t.kind === 'var' || (t.kind === 'call' && !t.recv && !t.args.length && !t.block)) {
      const name = t.kind === 'var' ? t.name : t.name;
      get = () => scope.get(name);
      set = (v) => scope.set(name, v);
    } else if (t.kind === 'call' && t.name === '[]' && t.recv) {
      const recv = this.eval(t.recv, scope);
      const args = t.args.map((a) => this.eval(a, scope));
      get = () => callMethod(recv, '[]', args, null);
      set = (v) => callMethod(recv, '[]=', [...args, v], null);
    } else throw new RubyError('unsupported assignment target');
    const cur = get();
    let v: Value;
    if (node.op === '||') v = truthy(cur) ? cur : this.eval(node.value, scope);
    else if (node.op === '&&') v = truthy(cur) ? this.eval(node.value, scope) : cur;
    else v = callMethod(cur, node.op, [this.eval(node.value, scope)], null);
    set(v);
    return v;
  }

  private call(node: NodeOf<'call'>, scope: Scope): Value {
    const selfCall = node.recv === null || node.recv.kind === 'self';
    const recv = selfCall ? null : this.eval(node.recv!, scope);
    if (node.safe && recv === null) return null;
    const args = this.args(node.args, scope);
    const block = node.block ? this.block(node.block, scope) : node.blockArg ? symbolProc(node.blockArg) : null;
    try {
      if (!selfCall) {
        if (node.name === '<<' && typeof recv === 'string')
          return this.rebindString(node, this.produced(recv + appended(args[0]), recv, args), scope);
        if (node.name.endsWith('!') && typeof recv === 'string') {
          return this.rebindString(
            node,
            this.produced(callMethod(recv, node.name.slice(0, -1), args, block), recv, args),
            scope,
          );
        }
        return this.produced(callMethod(recv, node.name, args, block), recv, args);
      }
      return this.produced(this.callSelf(node, args, block), null, args);
    } catch (e) {
      if (e instanceof Jump && e.kind === 'break' && node.block) return e.value;
      throw e;
    }
  }

  /**
   * Bounds what a call built: a string or array over the size limits is refused, and a new one costs steps by its
   * size, so a loop producing large values inside another loop runs out of budget. A value handed back as it came
   * (the receiver, an argument) cost nothing new.
   */
  private produced(v: Value, recv: Value, args: Value[]): Value {
    if (typeof v === 'string') {
      checkStringLength(v.length);
      if (v !== recv) this.budget.charge(v.length >> 10);
    } else if (Array.isArray(v) && v !== recv && !args.includes(v)) {
      checkArrayLength(v.length);
      this.budget.charge(v.length);
    } else if (v instanceof Map && v !== recv && !args.includes(v)) {
      this.budget.charge(v.size);
    }
    return v;
  }

  private write(text: string): void {
    this.outLength += text.length;
    if (this.outLength > MAX_OUTPUT_LENGTH)
      throw new RubyError(`template output is too large (more than ${MAX_OUTPUT_LENGTH} characters)`);
    this.out.push(text);
  }

  /** `s << "x"`, `s.strip!`: JS strings are immutable, so the new string goes back where it came from. */
  private rebindString(node: NodeOf<'call'>, v: Value, scope: Scope): Value {
    const target = node.recv!;
    if (target.kind === 'var') scope.set(target.name, v);
    else if (target.kind === 'call' && target.name === '[]' && target.recv) {
      callMethod(this.eval(target.recv, scope), '[]=', [...target.args.map((a) => this.eval(a, scope)), v], null);
    } else throw new RubyError(`'${node.name}' on this string is not supported (assign the result instead)`);
    return v;
  }

  private callSelf(node: NodeOf<'call'>, args: Value[], block: RBlock | null): Value {
    const def = this.defs.get(node.name);
    if (def) {
      const n = def.params.length;
      if (args.length < n || (args.length > n && !def.rest)) {
        throw new RubyError(`wrong number of arguments (given ${args.length}, expected ${n}${def.rest ? '+' : ''})`);
      }
      const scope = new Scope(null);
      def.params.forEach((p, i) => scope.define(p, args[i]));
      if (def.rest) scope.define(def.rest, args.slice(n));
      try {
        return this.body(def.body, scope);
      } catch (e) {
        if (e instanceof Jump && e.kind === 'return') return e.value;
        throw e;
      }
    }
    const kernel = KERNEL_FUNCTIONS[node.name];
    if (kernel) return kernel(args);
    const v = this.self.call(node.name, args, block);
    if (v !== undefined) return v;
    const what = args.length || node.block ? 'method' : 'local variable or method';
    throw new RubyError(`undefined ${what} '${node.name}' for an instance of Bosh::Template::EvaluationContext`);
  }

  /** Argument (or array element) values, with `*splat`s spread. */
  private args(nodes: Node[], scope: Scope): Value[] {
    return nodes.flatMap((n) => {
      if (n.kind !== 'splat') return [this.eval(n, scope)];
      const v = this.eval(n.expr, scope);
      return Array.isArray(v) ? v : v === null ? [] : [v];
    });
  }

  /** `defined?(x)`: what x names, or nil. */
  private defined(expr: Node, scope: Scope): Value {
    if (expr.kind === 'var') return expr.name.startsWith('@') ? null : 'local-variable';
    if (expr.kind === 'const') return KNOWN_CONSTANTS.has(expr.name) ? 'expression' : null;
    if (expr.kind === 'call' && !expr.recv) {
      const known = this.defs.has(expr.name) || expr.name in KERNEL_FUNCTIONS || this.self.has(expr.name);
      return known ? 'method' : null;
    }
    if (expr.kind === 'call' && expr.recv) {
      try {
        return respondTo(this.eval(expr.recv, scope), expr.name) ? 'method' : null;
      } catch {
        return null;
      }
    }
    return 'expression';
  }

  private block(b: BlockNode, scope: Scope): RBlock {
    return (...args: Value[]) => {
      // Each call costs a step even when the block is empty: a loop's iterations draw on the budget, not only its body.
      this.budget.charge();
      const inner = new Scope(scope);
      bind(b.params, args, inner);
      try {
        return this.body(b.body, inner);
      } catch (e) {
        if (e instanceof Jump && e.kind === 'next') return e.value;
        throw e;
      }
    };
  }
}

/** Proc semantics: several parameters take apart a single array argument; `(a, b)` takes apart one. */
function bind(params: Param[], args: Value[], scope: Scope): void {
  const values = params.length > 1 && args.length === 1 && Array.isArray(args[0]) ? args[0] : args;
  params.forEach((p, i) => {
    const v = values[i] ?? null;
    if (typeof p === 'string') scope.define(p, v);
    else bind(p, Array.isArray(v) ? [v] : [v], scope);
  });
}

/** The rescued error as `e`: answers message and to_s. */
function errorObject(e: unknown): Value {
  const message = e instanceof Error ? e.message : String(e);
  return new RObject('StandardError', {
    message: () => message,
    to_s: () => message,
    inspect: () => `#<StandardError: ${message}>`,
  });
}

function appended(v: Value): string {
  return typeof v === 'number' ? String.fromCodePoint(v) : toS(v);
}

function symbolProc(name: string): RBlock {
  return (recv: Value = null, ...rest: Value[]) => callMethod(recv, name, rest, null);
}
