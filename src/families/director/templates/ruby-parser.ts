/** Parses a compiled template (Ruby tokens with text and output markers) into statements. */
import { Segment } from './erb-lexer';
import { Node } from './ruby-ast';
import { ExprParser } from './ruby-expr-parser';
import { lexRuby, Token } from './ruby-lexer';
import { RubyError } from './template-error';

/** ERB's compilation: text becomes an output statement, `<%= %>` an output of its expression, `<% %>` plain code. */
export function parseTemplate(segments: Segment[]): Node[] {
  const tokens: Token[] = [];
  let line = 1;
  for (const s of segments) {
    line = s.line;
    if (s.kind === 'text') tokens.push({ type: 'text', text: s.text, line, space: false });
    else {
      if (s.kind === 'expr') tokens.push({ type: 'out', line, space: false });
      tokens.push(...lexRuby(s.code, line));
      if (s.kind === 'expr') tokens.push({ type: 'outend', line: tokens[tokens.length - 1].line, space: false });
    }
    const last = tokens[tokens.length - 1];
    tokens.push({ type: 'nl', line: last.line, space: false });
  }
  tokens.push({ type: 'eof', line: tokens.length ? tokens[tokens.length - 1].line : 1, space: false });
  return new RubyParser(tokens).parseProgram();
}

/** Keywords that only continue or close a construct: out of place, they are syntax errors. */
const STRUCTURAL = new Set(['end', 'else', 'elsif', 'when', 'then', 'do', 'rescue', 'ensure', 'in', 'and', 'or']);

/** The end of a `<%= %>` tag, as a statement terminator. */
const OUT_END = '%>';

function isTerm(t: Token, terms: string[]): boolean {
  if (t.type === 'outend') return terms.includes(OUT_END);
  return (t.type === 'kw' || t.type === 'op') && terms.includes(t.value);
}

class RubyParser extends ExprParser {
  parseProgram(): Node[] {
    return this.parseBody([]);
  }

  protected parseBody(terms: string[]): Node[] {
    const body: Node[] = [];
    for (;;) {
      this.skipTerms();
      const t = this.peek();
      if (t.type === 'eof') {
        if (terms.length) this.unexpected(`expecting '${terms.includes('end') ? 'end' : terms[0]}'`);
        return body;
      }
      if (isTerm(t, terms)) return body;
      body.push(this.parseStatement());
      const n = this.peek();
      const ends = n.type === 'nl' || n.type === 'eof' || this.isOp(';') || isTerm(n, terms);
      if (!ends) this.unexpected();
    }
  }

  private parseStatement(): Node {
    const t = this.peek();
    if (t.type === 'text') {
      this.next();
      return { kind: 'text', text: t.text, line: t.line };
    }
    if (t.type === 'out') {
      this.next();
      const body = this.parseBody([OUT_END]);
      if (this.peek().type !== 'outend' || body.length === 0) this.unexpected();
      this.next();
      return { kind: 'output', expr: body.length === 1 ? body[0] : { kind: 'seq', body, line: t.line }, line: t.line };
    }
    let node = this.parseExprStmt();
    for (;;) {
      const m = this.peek();
      if (this.acceptKw('if')) node = { kind: 'if', cond: this.parseExprStmt(), then: [node], else: [], line: m.line };
      else if (this.acceptKw('unless'))
        node = { kind: 'if', cond: this.parseExprStmt(), then: [], else: [node], line: m.line };
      else if (this.acceptKw('rescue')) {
        const fallback = this.parseExprStmt();
        if (node.kind === 'assign' || node.kind === 'opassign')
          node = { ...node, value: { kind: 'rescue', body: [node.value], rescue: [fallback], line: m.line } };
        else node = { kind: 'rescue', body: [node], rescue: [fallback], line: m.line };
      } else if (this.isKw('while') || this.isKw('until')) this.unexpected('(modifier loops are not supported)');
      else return node;
    }
  }

  protected parseExprStmt(): Node {
    let left = this.parseNot();
    for (;;) {
      const t = this.peek();
      if (!this.isKw('and') && !this.isKw('or')) return left;
      this.next();
      this.skipNewlines();
      const right = this.parseNot();
      left = { kind: t.type === 'kw' && t.value === 'and' ? 'and' : 'or', left, right, line: t.line };
    }
  }

  private parseNot(): Node {
    const t = this.peek();
    if (this.acceptKw('not')) return { kind: 'not', expr: this.parseNot(), line: t.line };
    return this.parseExpr();
  }

  protected parseInterpolation(code: string, line: number): Node {
    const tokens = [...lexRuby(code, line), { type: 'eof' as const, line, space: false }];
    const inner = new RubyParser(tokens);
    inner.adoptScopes(this.localScopes);
    const body = inner.parseBody([]);
    return { kind: 'seq', body, line };
  }

  private adoptScopes(scopes: Set<string>[]): void {
    for (const s of scopes) for (const name of s) this.declare(name);
  }

  protected parseKeyword(t: { value: string; line: number }): Node {
    const line = t.line;
    switch (t.value) {
      case 'nil':
      case 'true':
      case 'false':
      case 'self':
        return { kind: t.value, line };
      case 'if':
        return this.parseIf(line, false);
      case 'unless':
        return this.parseIf(line, true);
      case 'case':
        return this.parseCase(line);
      case 'while':
      case 'until': {
        const cond = this.parseExprStmt();
        this.acceptKw('do');
        const body = this.parseBody(['end']);
        this.expectKw('end');
        return { kind: 'while', cond, body, until: t.value === 'until', line };
      }
      case 'begin':
        return this.parseBegin(line);
      case 'defined?': {
        const paren = this.acceptOp('(');
        const expr = this.parseExpr();
        if (paren) this.expectOp(')');
        return { kind: 'defined', expr, line };
      }
      case 'next':
      case 'break':
      case 'return': {
        const n = this.peek();
        const startsValue =
          n.type !== 'kw' || ['nil', 'true', 'false', 'self', 'not', 'defined?', 'case', 'begin'].includes(n.value);
        const hasValue =
          startsValue &&
          !(n.type === 'nl' || n.type === 'eof' || n.type === 'outend' || this.isOp(';') || this.isOp('}'));
        return { kind: t.value, value: hasValue ? this.parseExpr() : null, line };
      }
      case 'def':
        return this.parseDef(line);
      case 'not':
        return { kind: 'not', expr: this.parseExpr(), line };
      default:
        if (STRUCTURAL.has(t.value)) {
          this.pos--;
          return this.unexpected();
        }
        throw new RubyError(`'${t.value}' is not supported in templates`, line);
    }
  }

  /** `begin ... rescue [Class] [=> e] ... end`: any error of the body runs the rescue part. */
  private parseBegin(line: number): Node {
    const body = this.parseBody(['end', 'rescue']);
    if (!this.acceptKw('rescue')) {
      this.expectKw('end');
      return { kind: 'seq', body, line };
    }
    while (this.peek().type === 'const') {
      this.next();
      while (this.acceptOp('::')) if (this.next().type !== 'const') this.unexpected('expecting a class name');
      if (!this.acceptOp(',')) break;
    }
    let errorVar: string | undefined;
    if (this.acceptOp('=>')) {
      const t = this.next();
      if (t.type !== 'ident') this.unexpected('expecting a variable name');
      errorVar = (t as { value: string }).value;
      this.declare(errorVar);
    }
    const rescue = this.parseBody(['end']);
    this.expectKw('end');
    return { kind: 'rescue', body, rescue, errorVar, line };
  }

  private parseIf(line: number, negate: boolean): Node {
    const cond = this.parseExprStmt();
    this.acceptKw('then');
    const then = this.parseBody(['elsif', 'else', 'end']);
    let otherwise: Node[] = [];
    const t = this.peek();
    if (!negate && this.acceptKw('elsif')) otherwise = [this.parseIf(t.line, false)];
    else {
      if (this.acceptKw('else')) otherwise = this.parseBody(['end']);
      this.expectKw('end');
    }
    if (negate) return { kind: 'if', cond, then: otherwise, else: then, line };
    return { kind: 'if', cond, then, else: otherwise, line };
  }

  private parseCase(line: number): Node {
    const subject = this.peek().type === 'nl' ? null : this.parseExprStmt();
    this.skipTerms();
    const whens: { values: Node[]; body: Node[] }[] = [];
    while (this.acceptKw('when')) {
      const values = [this.parseExpr()];
      while (this.acceptOp(',')) {
        this.skipNewlines();
        values.push(this.parseExpr());
      }
      this.acceptKw('then');
      whens.push({ values, body: this.parseBody(['when', 'else', 'end']) });
    }
    if (!whens.length) this.unexpected("expecting 'when'");
    const otherwise = this.acceptKw('else') ? this.parseBody(['end']) : null;
    this.expectKw('end');
    return { kind: 'case', subject, whens, else: otherwise, line };
  }

  private parseDef(line: number): Node {
    const nameTok = this.next();
    if (nameTok.type !== 'ident') this.unexpected('expecting a method name');
    const name = (nameTok as { value: string }).value;
    const params: string[] = [];
    let rest: string | null = null;
    const paren = this.acceptOp('(');
    while (this.peek().type === 'ident' || (this.isOp('*') && this.peek(1).type === 'ident')) {
      if (this.acceptOp('*')) rest = (this.next() as { value: string }).value;
      else if (rest) this.unexpected('(parameters after *rest are not supported)');
      else params.push((this.next() as { value: string }).value);
      if (!this.acceptOp(',')) break;
    }
    if (paren) this.expectOp(')');
    const names = rest ? [...params, rest] : params;
    const body = this.withScope(names, true, () => this.parseBody(['end']));
    this.expectKw('end');
    return { kind: 'def', name, params, rest, body, line };
  }
}
