/** Ruby expressions by precedence: assignment, ternary, ranges, boolean and binary operators, calls, blocks. */
import { BlockNode, Node, Param } from './ruby-ast';
import { literalText } from './ruby-lexer';
import { TokenCursor } from './token-cursor';

const ARG_START_TYPES = new Set(['str', 'int', 'float', 'sym', 'regex', 'words', 'ident', 'const', 'ivar', 'label']);
const ARG_START_KWS = new Set(['nil', 'true', 'false', 'self', 'not', 'lambda', 'defined?']);
const OP_ASSIGN = new Set(['+=', '-=', '*=', '/=', '||=', '&&=', '**=']);

/** Binary operator levels, loosest first; every one is a method call on its left operand. */
const LEVELS: string[][] = [
  ['||'],
  ['&&'],
  ['<=>', '==', '===', '!=', '=~', '!~'],
  ['<', '>', '<=', '>='],
  ['|', '^'],
  ['&'],
  ['<<', '>>'],
  ['+', '-'],
  ['*', '/', '%'],
];

export abstract class ExprParser extends TokenCursor {
  /** Statements up to (not including) one of `terms`: keywords, `}` or `)`. */
  protected abstract parseBody(terms: string[]): Node[];
  /** `not`, `and`/`or` level: what a condition or a statement holds. */
  protected abstract parseExprStmt(): Node;
  /** Primaries that start with a keyword: if, unless, case, while, def, begin... */
  protected abstract parseKeyword(t: { value: string; line: number }): Node;
  /** A `#{...}` piece of a double-quoted string. */
  protected abstract parseInterpolation(code: string, line: number): Node;

  protected parseExpr(): Node {
    const t = this.peek();
    if ((t.type === 'ident' || t.type === 'ivar') && this.isOp('=', this.peek(1))) {
      this.next();
      this.next();
      this.skipNewlines();
      this.declare(t.value);
      return { kind: 'assign', name: t.value, value: this.parseExpr(), line: t.line };
    }
    const lhs = this.parseTernary();
    const op = this.peek();
    if (op.type === 'op' && OP_ASSIGN.has(op.value)) {
      if (lhs.kind === 'call' && lhs.recv === null && lhs.args.length === 0 && !lhs.block) this.declare(lhs.name);
      this.next();
      this.skipNewlines();
      return { kind: 'opassign', target: lhs, op: op.value.slice(0, -1), value: this.parseExpr(), line: op.line };
    }
    if (op.type === 'op' && op.value === '=') {
      if (lhs.kind !== 'call' || lhs.name !== '[]' || !lhs.recv) this.unexpected();
      this.next();
      this.skipNewlines();
      return { kind: 'indexassign', target: lhs.recv, args: lhs.args, value: this.parseExpr(), line: op.line };
    }
    return lhs;
  }

  private parseTernary(): Node {
    const cond = this.parseRange();
    const q = this.peek();
    if (!this.acceptOp('?')) return cond;
    this.skipNewlines();
    const a = this.parseTernary();
    this.skipNewlines();
    this.expectOp(':');
    this.skipNewlines();
    const b = this.parseTernary();
    return { kind: 'if', cond, then: [a], else: [b], line: q.line };
  }

  private parseRange(): Node {
    const from = this.parseBinary(0);
    const t = this.peek();
    if (!this.isOp('..') && !this.isOp('...')) return from;
    this.next();
    return {
      kind: 'range',
      from,
      to: this.parseBinary(0),
      exclusive: t.type === 'op' && t.value === '...',
      line: t.line,
    };
  }

  private parseBinary(level: number): Node {
    if (level >= LEVELS.length) return this.parseUnaryMinus();
    let left = this.parseBinary(level + 1);
    for (;;) {
      const t = this.peek();
      if (t.type !== 'op' || !LEVELS[level].includes(t.value)) return left;
      this.next();
      this.skipNewlines();
      const right = this.parseBinary(level + 1);
      const line = t.line;
      if (t.value === '&&') left = { kind: 'and', left, right, line };
      else if (t.value === '||') left = { kind: 'or', left, right, line };
      else if (t.value === '!=' || t.value === '!~') {
        const name = t.value === '!=' ? '==' : '=~';
        left = { kind: 'not', expr: call(left, name, [right], line), line };
      } else left = call(left, t.value, [right], line);
    }
  }

  private parseUnaryMinus(): Node {
    const t = this.peek();
    if (this.isOp('-')) {
      this.next();
      const operand = this.parseUnaryMinus();
      if (operand.kind === 'int' || operand.kind === 'float') return { ...operand, value: -operand.value };
      return call(operand, '-@', [], t.line);
    }
    return this.parsePow();
  }

  private parsePow(): Node {
    const base = this.parseUnary();
    const t = this.peek();
    if (!this.acceptOp('**')) return base;
    return call(base, '**', [this.parseUnaryMinus()], t.line);
  }

  private parseUnary(): Node {
    const t = this.peek();
    if (this.acceptOp('!')) return { kind: 'not', expr: this.parseUnary(), line: t.line };
    if (this.acceptOp('+')) return this.parseUnary();
    return this.parsePostfix(this.parsePrimary());
  }

  protected parsePostfix(node: Node): Node {
    for (;;) {
      const t = this.peek();
      if (t.type === 'nl' && this.leadingDotAhead()) {
        this.skipNewlines();
        continue;
      }
      if (this.isOp('.') || this.isOp('&.') || (this.isOp('::') && this.peek(1).type === 'ident')) {
        this.next();
        this.skipNewlines();
        const nameTok = this.next();
        if (!['ident', 'const', 'kw'].includes(nameTok.type)) this.unexpected();
        const name = (nameTok as { value: string }).value;
        node = this.parseCallRest(node, name, nameTok.line, t.type === 'op' && t.value === '&.');
      } else if (this.isOp('::') && this.peek(1).type === 'const' && node.kind === 'const') {
        this.next();
        node = { kind: 'const', name: `${node.name}::${(this.next() as { value: string }).value}`, line: t.line };
      } else if (this.isOp('[') && !(t.space && node.kind === 'call' && node.args.length > 0)) {
        this.next();
        const { args } = this.parseArgList(']');
        node = call(node, '[]', args, t.line);
      } else return node;
    }
  }

  private leadingDotAhead(): boolean {
    let k = 0;
    while (this.peek(k).type === 'nl') k++;
    return this.isOp('.', this.peek(k)) || this.isOp('&.', this.peek(k));
  }

  /** After a method name: `(args)`, command args without parentheses, and a block. */
  protected parseCallRest(recv: Node | null, name: string, line: number, safe: boolean): Node {
    let args: Node[] = [];
    let blockArg: string | null = null;
    const t = this.peek();
    if (this.isOp('(') && !t.space) {
      this.next();
      ({ args, blockArg } = this.parseArgList(')'));
    } else if (this.commandArgAhead()) ({ args, blockArg } = this.parseArgList(null));
    const block = blockArg ? null : this.parseBlockOpt();
    return { kind: 'call', recv, name, args, block, safe, blockArg, line };
  }

  private commandArgAhead(): boolean {
    const t = this.peek();
    if (!t.space) return false;
    if (ARG_START_TYPES.has(t.type)) return true;
    if (t.type === 'kw') return ARG_START_KWS.has(t.value);
    if (t.type === 'op' && t.value === '*' && !this.peek(1).space && this.peek(1).type === 'ident') return true;
    return (
      t.type === 'op' &&
      (t.value === '[' || t.value === '!' || (t.value === '-' && !this.peek(1).space && this.peek(1).type !== 'op'))
    );
  }

  /** Arguments up to `close` (or the end of a command call): positional ones, a trailing hash, `&:sym`. */
  protected parseArgList(close: string | null): { args: Node[]; blockArg: string | null } {
    const args: Node[] = [];
    const pairs: [Node, Node][] = [];
    let blockArg: string | null = null;
    if (close) this.skipNewlines();
    while (!(close && this.isOp(close))) {
      const t = this.peek();
      if (this.isOp('&') && this.peek(1).type === 'sym') {
        this.next();
        blockArg = (this.next() as { value: string }).value;
      } else if (this.isOp('*') && !this.peek(1).space) {
        this.next();
        args.push({ kind: 'splat', expr: this.parseNoStmtExpr(), line: t.line });
      } else if (this.isOp('*') || this.isOp('**') || this.isOp('&')) {
        this.unexpected('(this kind of splat or block argument is not supported)');
      } else if (t.type === 'label') {
        this.next();
        this.skipNewlines();
        pairs.push([{ kind: 'sym', name: t.value, line: t.line }, this.parseNoStmtExpr()]);
      } else {
        const value = this.parseNoStmtExpr();
        if (this.acceptOp('=>')) {
          this.skipNewlines();
          pairs.push([value, this.parseNoStmtExpr()]);
        } else args.push(value);
      }
      if (close) this.skipNewlines();
      if (!this.acceptOp(',')) break;
      this.skipNewlines();
    }
    if (close) this.expectOp(close);
    if (pairs.length) args.push({ kind: 'hash', pairs, line: pairs[0][0].line });
    return { args, blockArg };
  }

  /** An argument or element: an expression, or `not x`. */
  private parseNoStmtExpr(): Node {
    const t = this.peek();
    if (this.acceptKw('not')) return { kind: 'not', expr: this.parseExpr(), line: t.line };
    return this.parseExpr();
  }

  protected parseBlockOpt(): BlockNode | null {
    const t = this.peek();
    const close = this.isOp('{') ? '}' : this.isKw('do') ? 'end' : null;
    if (!close) return null;
    this.next();
    const params: Param[] = [];
    if (this.acceptOp('||')) {
      /* no parameters */
    } else if (this.acceptOp('|')) {
      params.push(...this.parseParams('|'));
    }
    const names = flatParams(params);
    const body = this.withScope(names, false, () => this.parseBody([close]));
    if (close === '}') this.expectOp('}');
    else this.expectKw('end');
    return { params, body, line: t.line };
  }

  private parseParams(close: string): Param[] {
    const params: Param[] = [];
    while (!this.acceptOp(close)) {
      if (this.acceptOp('(')) params.push(this.parseParams(')'));
      else {
        const t = this.next();
        if (t.type !== 'ident') this.unexpected('expecting a block parameter name');
        params.push((t as { value: string }).value);
      }
      if (!this.isOp(close)) this.expectOp(',');
    }
    return params;
  }

  private parsePrimary(): Node {
    const t = this.next();
    const line = t.line;
    switch (t.type) {
      case 'int':
      case 'float':
        return { kind: t.type, value: t.value, line };
      case 'str': {
        const parts = [...t.parts];
        for (let n = this.peek(); n.type === 'str' && n.space; n = this.peek())
          parts.push(...(this.next() as typeof t).parts);
        return {
          kind: 'str',
          parts: parts.map((p) => (typeof p === 'string' ? p : this.parseInterpolation(p.code, p.line))),
          line,
        };
      }
      case 'words':
        return {
          kind: 'array',
          items: t.words.map((w) => (t.symbols ? { kind: 'sym', name: w, line } : { kind: 'str', parts: [w], line })),
          line,
        };
      case 'sym':
        return { kind: 'sym', name: t.value, line };
      case 'regex':
        return { kind: 'regex', source: t.source, flags: t.flags, line };
      case 'ivar':
        return { kind: 'var', name: t.value, line };
      case 'ident':
        if (this.isLocal(t.value) && !(this.isOp('(') && !this.peek().space))
          return { kind: 'var', name: t.value, line };
        return this.parseCallRest(null, t.value, line, false);
      case 'const':
        if (this.isOp('(') && !this.peek().space) return this.parseCallRest(null, t.value, line, false);
        return { kind: 'const', name: t.value, line };
      case 'kw':
        return this.parseKeyword(t);
      case 'op':
        return this.parseOpPrimary(t);
      default:
        this.pos--;
        return this.unexpected();
    }
  }

  private parseOpPrimary(t: { value: string; line: number }): Node {
    const line = t.line;
    if (t.value === '(') {
      const body = this.parseBody([')']);
      this.expectOp(')');
      return body.length === 1 ? body[0] : { kind: 'seq', body, line };
    }
    if (t.value === '[') return { kind: 'array', items: this.parseArgList(']').args, line };
    if (t.value === '{') return this.parseHash(line);
    if (t.value === '::' && this.peek().type === 'const')
      return { kind: 'const', name: (this.next() as { value: string }).value, line };
    this.pos--;
    return this.unexpected();
  }

  private parseHash(line: number): Node {
    const pairs: [Node, Node][] = [];
    this.skipNewlines();
    while (!this.isOp('}')) {
      const t = this.peek();
      if (t.type === 'label') {
        this.next();
        this.skipNewlines();
        pairs.push([{ kind: 'sym', name: t.value, line: t.line }, this.parseNoStmtExpr()]);
      } else if (t.type === 'str' && this.isOp(':', this.peek(1)) && !this.peek(1).space) {
        this.next();
        this.next();
        this.skipNewlines();
        pairs.push([{ kind: 'sym', name: literalText(t.parts), line: t.line }, this.parseNoStmtExpr()]);
      } else {
        const key = this.parseNoStmtExpr();
        this.skipNewlines();
        this.expectOp('=>');
        this.skipNewlines();
        pairs.push([key, this.parseNoStmtExpr()]);
      }
      this.skipNewlines();
      if (!this.acceptOp(',')) break;
      this.skipNewlines();
    }
    this.expectOp('}');
    return { kind: 'hash', pairs, line };
  }
}

export function call(recv: Node | null, name: string, args: Node[], line: number): Node {
  return { kind: 'call', recv, name, args, block: null, safe: false, blockArg: null, line };
}

function flatParams(params: Param[]): string[] {
  return params.flatMap((p) => (typeof p === 'string' ? [p] : flatParams(p)));
}
