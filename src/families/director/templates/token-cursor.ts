/** A cursor over Ruby tokens with the lookahead, expectation and local-variable scopes the parser needs. */
import { Token } from './ruby-lexer';
import { RubyError } from './template-error';

export class TokenCursor {
  protected pos = 0;
  private scopes: Set<string>[] = [new Set()];

  constructor(protected readonly tokens: Token[]) {}

  protected peek(ahead = 0): Token {
    return this.tokens[Math.min(this.pos + ahead, this.tokens.length - 1)];
  }

  protected next(): Token {
    const t = this.peek();
    if (this.pos < this.tokens.length - 1) this.pos++;
    return t;
  }

  protected isOp(value: string, t: Token = this.peek()): boolean {
    return t.type === 'op' && t.value === value;
  }

  protected isKw(value: string, t: Token = this.peek()): boolean {
    return t.type === 'kw' && t.value === value;
  }

  protected acceptOp(value: string): boolean {
    if (!this.isOp(value)) return false;
    this.next();
    return true;
  }

  protected acceptKw(value: string): boolean {
    if (!this.isKw(value)) return false;
    this.next();
    return true;
  }

  protected expectOp(value: string): Token {
    if (!this.isOp(value)) this.unexpected(`expecting '${value}'`);
    return this.next();
  }

  protected expectKw(value: string): Token {
    if (!this.isKw(value)) this.unexpected(`expecting '${value}'`);
    return this.next();
  }

  protected skipNewlines(): void {
    while (this.peek().type === 'nl') this.next();
  }

  /** Skips statement separators: newlines and `;`. */
  protected skipTerms(): void {
    while (this.peek().type === 'nl' || this.isOp(';')) this.next();
  }

  protected unexpected(expecting?: string): never {
    const t = this.peek();
    const suffix = expecting ? `, ${expecting}` : '';
    throw new RubyError(`syntax error, unexpected ${describe(t)}${suffix}`, t.line);
  }

  protected isLocal(name: string): boolean {
    return this.scopes.some((s) => s.has(name));
  }

  protected declare(name: string): void {
    this.scopes[this.scopes.length - 1].add(name);
  }

  protected withScope<T>(names: string[], fresh: boolean, fn: () => T): T {
    const saved = this.scopes;
    this.scopes = fresh ? [new Set(names)] : [...saved, new Set(names)];
    try {
      return fn();
    } finally {
      this.scopes = saved;
    }
  }

  protected get localScopes(): Set<string>[] {
    return this.scopes;
  }
}

function describe(t: Token): string {
  switch (t.type) {
    case 'eof':
      return 'end-of-input';
    case 'nl':
      return 'end of line';
    case 'text':
      return 'template text';
    case 'out':
      return "'<%='";
    case 'outend':
      return "'%>'";
    case 'int':
    case 'float':
      return `integer literal ${t.value}`;
    case 'str':
      return 'string literal';
    case 'words':
      return 'word list';
    case 'regex':
      return 'regexp literal';
    case 'kw':
      return `'${t.value}'`;
    case 'label':
      return `label '${t.value}:'`;
    case 'sym':
      return `symbol literal :${t.value}`;
    case 'ident':
    case 'const':
    case 'ivar':
      return `local variable or method '${t.value}'`;
    default:
      return `'${t.value}'`;
  }
}
