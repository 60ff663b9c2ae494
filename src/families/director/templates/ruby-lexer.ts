/** Tokenizes the Ruby subset of job templates: literals, names, keywords, operators and newlines. */
import { RubyError } from './template-error';

export type StrPart = string | { code: string; line: number };

/** A string literal's text without evaluating it: an interpolation stands as its source, `#{code}`. */
export const literalText = (parts: StrPart[]): string =>
  parts.map((p) => (typeof p === 'string' ? p : `#{${p.code}}`)).join('');

export type Token =
  | { type: 'int' | 'float'; value: number; line: number; space: boolean }
  | { type: 'str'; parts: StrPart[]; line: number; space: boolean }
  | { type: 'words'; words: string[]; symbols: boolean; line: number; space: boolean }
  | { type: 'regex'; source: string; flags: string; line: number; space: boolean }
  | { type: 'ident' | 'const' | 'label' | 'sym' | 'kw' | 'op' | 'ivar'; value: string; line: number; space: boolean }
  | { type: 'nl' | 'eof' | 'out' | 'outend'; line: number; space: boolean }
  | { type: 'text'; text: string; line: number; space: boolean };

const KEYWORDS = new Set([
  'if',
  'unless',
  'elsif',
  'else',
  'end',
  'case',
  'when',
  'then',
  'while',
  'until',
  'do',
  'and',
  'or',
  'not',
  'nil',
  'true',
  'false',
  'self',
  'def',
  'return',
  'next',
  'break',
  'begin',
  'rescue',
  'ensure',
  'yield',
  'in',
  'for',
  'module',
  'class',
  'defined?',
  'redo',
  'retry',
  'super',
  'alias',
  'undef',
  'lambda',
  'proc',
]);

const OPS = [
  '**=',
  '...',
  '&&=',
  '||=',
  '<=>',
  '===',
  '..',
  '==',
  '!=',
  '=~',
  '!~',
  '>=',
  '<=',
  '&&',
  '||',
  '<<',
  '>>',
  '+=',
  '-=',
  '*=',
  '/=',
  '**',
  '=>',
  '->',
  '::',
  '&.',
  '+',
  '-',
  '*',
  '/',
  '%',
  '=',
  '<',
  '>',
  '!',
  '&',
  '|',
  '^',
  '~',
  '?',
  ':',
  ',',
  '.',
  ';',
  '(',
  ')',
  '[',
  ']',
  '{',
  '}',
];
const VALUE_END_KW = new Set(['end', 'self', 'nil', 'true', 'false']);
const PAIRS: Record<string, string> = { '[': ']', '(': ')', '{': '}', '<': '>', '|': '|', '!': '!', '/': '/' };

/** Tokens of one chunk of Ruby code starting at `line` (no trailing newline token). */
export function lexRuby(code: string, line: number): Token[] {
  const out: Token[] = [];
  let i = 0;
  let space = false;
  const fail = (msg: string): never => {
    throw new RubyError(msg, line);
  };
  const valueExpected = () => {
    const prev = out[out.length - 1];
    if (!prev) return true;
    if (prev.type === 'op') return ![')', ']', '}'].includes(prev.value);
    if (prev.type === 'kw') return !VALUE_END_KW.has(prev.value);
    return prev.type === 'nl' || prev.type === 'label';
  };
  const push = (t: Token) => {
    out.push(t);
    space = false;
  };
  while (i < code.length) {
    const c = code[i];
    if (c === ' ' || c === '\t' || c === '\r') {
      i++;
      space = true;
    } else if (c === '\\' && code[i + 1] === '\n') {
      i += 2;
      line++;
      space = true;
    } else if (c === '\n') {
      push({ type: 'nl', line, space });
      line++;
      i++;
    } else if (c === '#') {
      while (i < code.length && code[i] !== '\n') i++;
    } else if (/[0-9]/.test(c)) {
      const m = /^(0x[0-9a-fA-F_]+|[0-9][0-9_]*(\.[0-9][0-9_]*)?([eE][+-]?[0-9]+)?)/.exec(code.slice(i))!;
      const raw = m[0].replace(/_/g, '');
      const isFloat = !raw.startsWith('0x') && /[.eE]/.test(raw);
      push({ type: isFloat ? 'float' : 'int', value: Number(raw), line, space });
      i += m[0].length;
    } else if (/[A-Za-z_]/.test(c)) {
      const m = /^[A-Za-z_][A-Za-z0-9_]*/.exec(code.slice(i))!;
      let name = m[0];
      i += name.length;
      const afterDot =
        out.length > 0 &&
        out[out.length - 1].type === 'op' &&
        ['.', '&.'].includes((out[out.length - 1] as { value: string }).value);
      if ((code[i] === '?' || code[i] === '!') && (code[i + 1] !== '=' || code[i + 2] === '=' || code[i + 2] === '~')) {
        name += code[i++];
      }
      if (code[i] === ':' && code[i + 1] !== ':' && !afterDot && !name.endsWith('?')) {
        push({ type: 'label', value: name, line, space });
        i++;
      } else if (name === 'defined' && code[i] === '?') {
        push({ type: 'kw', value: 'defined?', line, space });
        i++;
      } else if (!afterDot && KEYWORDS.has(name)) push({ type: 'kw', value: name, line, space });
      else push({ type: /^[A-Z]/.test(name) ? 'const' : 'ident', value: name, line, space });
    } else if (c === '@') {
      const m = /^@@?[A-Za-z_][A-Za-z0-9_]*/.exec(code.slice(i));
      if (!m) fail("syntax error, unexpected '@'");
      push({ type: 'ivar', value: m![0], line, space });
      i += m![0].length;
    } else if (c === '"' || c === "'" || c === '`') {
      if (c === '`') fail('backtick commands are not supported');
      const r = readString(code, i + 1, c, c === '"', line);
      push({ type: 'str', parts: r.parts, line, space });
      line += r.lines;
      i = r.end;
    } else if (
      c === ':' &&
      /[A-Za-z_"]/.test(code[i + 1] ?? '') &&
      (valueExpected() || (space && out[out.length - 1]?.type === 'ident'))
    ) {
      if (code[i + 1] === '"') {
        const r = readString(code, i + 2, '"', false, line);
        push({ type: 'sym', value: literalText(r.parts), line, space });
        i = r.end;
      } else {
        const m = /^[A-Za-z_][A-Za-z0-9_]*[?!=]?/.exec(code.slice(i + 1))!;
        push({ type: 'sym', value: m[0], line, space });
        i += 1 + m[0].length;
      }
    } else if (
      c === '/' &&
      (valueExpected() || (space && out[out.length - 1]?.type === 'ident' && code[i + 1] !== ' '))
    ) {
      const r = readString(code, i + 1, '/', true, line, true);
      const flags = /^[imx]*/.exec(code.slice(r.end))![0];
      if (r.parts.some((p) => typeof p !== 'string')) fail('interpolation in regular expressions is not supported');
      push({ type: 'regex', source: literalText(r.parts), flags, line, space });
      i = r.end + flags.length;
    } else if (c === '%' && /^[wWiI][[({<|!]/.test(code.slice(i + 1, i + 3)) && (valueExpected() || space)) {
      const close = PAIRS[code[i + 2]];
      const end = code.indexOf(close, i + 3);
      if (end < 0) fail('unterminated %w list');
      const body = code.slice(i + 3, end);
      push({ type: 'words', words: body.split(/\s+/).filter(Boolean), symbols: /[iI]/.test(code[i + 1]), line, space });
      line += body.split('\n').length - 1;
      i = end + 1;
    } else if (c === '<' && code[i + 1] === '<' && /^[~-]?(['"]?)[A-Z_]/.test(code.slice(i + 2)) && valueExpected()) {
      fail('heredocs are not supported');
    } else {
      const op = OPS.find((o) => code.startsWith(o, i));
      if (!op) fail(`syntax error, unexpected '${c}'`);
      push({ type: 'op', value: op!, line, space });
      i += op!.length;
    }
  }
  return out;
}

const ESCAPES: Record<string, string> = {
  n: '\n',
  t: '\t',
  r: '\r',
  s: ' ',
  '0': '\0',
  e: '\x1b',
  a: '\x07',
  b: '\b',
  f: '\f',
  v: '\v',
};

/** A string body up to `quote`; double-quoted strings (and regexes) take escapes and `#{...}` interpolation. */
function readString(code: string, i: number, quote: string, interpolate: boolean, line: number, regex = false) {
  const parts: StrPart[] = [];
  let buf = '';
  let lines = 0;
  while (i < code.length && code[i] !== quote) {
    const c = code[i];
    if (c === '\n') lines++;
    if (c === '\\') {
      const n = code[i + 1] ?? '';
      if (regex) buf += n === '/' ? '/' : c + n;
      else if (!interpolate) buf += n === quote || n === '\\' ? n : c + n;
      else if (n === 'u') {
        const m = /^u\{([0-9a-fA-F]+)\}|^u([0-9a-fA-F]{4})/.exec(code.slice(i + 1));
        if (!m) throw new RubyError('invalid Unicode escape', line + lines);
        buf += String.fromCodePoint(parseInt(m[1] ?? m[2], 16));
        i += m[0].length + 1;
        continue;
      } else buf += ESCAPES[n] ?? n;
      i += 2;
    } else if (c === '#' && interpolate && code[i + 1] === '{') {
      let depth = 1;
      let j = i + 2;
      while (j < code.length && depth > 0) {
        if (code[j] === '{') depth++;
        else if (code[j] === '}') depth--;
        j++;
      }
      if (depth > 0) throw new RubyError('unterminated string interpolation', line + lines);
      if (buf) parts.push(buf);
      buf = '';
      parts.push({ code: code.slice(i + 2, j - 1), line: line + lines });
      i = j;
    } else {
      buf += c;
      i++;
    }
  }
  if (i >= code.length) throw new RubyError('unterminated string meets end of file', line);
  if (buf || parts.length === 0) parts.push(buf);
  return { parts, end: i + 1, lines };
}
