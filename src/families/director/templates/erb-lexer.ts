/** Splits ERB source into text and tag segments, with Ruby's `-` trim mode (as the BOSH Director uses it). */
import { RubyError } from './template-error';

export type Segment =
  { kind: 'text'; text: string; line: number } | { kind: 'code' | 'expr'; code: string; line: number };

/** Text, `<% code %>` and `<%= expr %>` segments; `<%# %>` comments are dropped, `<%%` is a literal `<%`. */
export function splitErb(source: string): Segment[] {
  const lineAt = lineFinder(source);
  const segments: Segment[] = [];
  let text = '';
  let textStart = 0;
  let i = 0;
  const flush = () => {
    if (text) segments.push({ kind: 'text', text, line: lineAt(textStart) });
    text = '';
  };
  while (i < source.length) {
    const open = source.indexOf('<%', i);
    if (open < 0) {
      if (!text) textStart = i;
      text += source.slice(i);
      break;
    }
    if (!text) textStart = i;
    text += source.slice(i, open);
    if (source.startsWith('<%%', open)) {
      text += '<%';
      i = open + 3;
      continue;
    }
    let k = open + 2;
    let kind: 'code' | 'expr' | 'comment' = 'code';
    if (source[k] === '-') {
      k++;
      const lineStart = source.lastIndexOf('\n', open - 1) + 1;
      const indent = source.slice(lineStart, open);
      if (/^[ \t]*$/.test(indent) && text.endsWith(indent)) text = text.slice(0, text.length - indent.length);
    } else if (source[k] === '=') {
      kind = 'expr';
      k++;
    } else if (source[k] === '#') {
      kind = 'comment';
      k++;
    }
    flush();
    const { code, end } = readTag(source, k, lineAt(open));
    i = end;
    if (kind !== 'comment') segments.push({ kind, code, line: lineAt(k) });
  }
  flush();
  return segments;
}

/** The code of a tag from `start` up to its `%>` (`%%>` is a literal `%>`); `-%>` also eats the next newline. */
function readTag(source: string, start: number, line: number): { code: string; end: number } {
  let code = '';
  let m = start;
  for (;;) {
    const close = source.indexOf('%>', m);
    if (close < 0) throw new RubyError("unterminated ERB tag: '<%' without '%>'", line);
    if (close - 1 >= m && source[close - 1] === '%') {
      code += source.slice(m, close - 1) + '%>';
      m = close + 2;
      continue;
    }
    if (close - 1 >= m && source[close - 1] === '-') {
      code += source.slice(m, close - 1);
      let end = close + 2;
      if (source[end] === '\n') end++;
      else if (source.startsWith('\r\n', end)) end += 2;
      return { code, end };
    }
    return { code: code + source.slice(m, close), end: close + 2 };
  }
}

/** 1-based line number of an offset. */
function lineFinder(source: string): (offset: number) => number {
  const starts = [0];
  for (let i = 0; i < source.length; i++) if (source[i] === '\n') starts.push(i + 1);
  return (offset) => {
    let lo = 0;
    let hi = starts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (starts[mid] <= offset) lo = mid;
      else hi = mid - 1;
    }
    return lo + 1;
  };
}
