/** to_json / JSON.generate / JSON.pretty_generate and to_yaml / YAML.dump of Ruby values, and their parsers. */
import YAML from 'yaml';
import { RubyError } from './template-error';
import { floatToS, fromJs, inspect, RFloat, RSymbol, toJs, toS, Value, withheld } from './ruby-values';

/** Ruby's JSON generator: compact (`{"a":1}`) or, with `indent`, pretty_generate's layout. */
export function toJson(v: Value, indent = '', depth = 0): string {
  const nl = indent ? '\n' : '';
  const pad = (d: number) => indent.repeat(d);
  if (v === null) return 'null';
  if (typeof v === 'boolean' || typeof v === 'number') return String(v);
  if (typeof v === 'string') return JSON.stringify(v);
  if (v instanceof RFloat) {
    if (!Number.isFinite(v.value)) throw new RubyError(`${floatToS(v.value)} not allowed in JSON`);
    return floatToS(v.value);
  }
  if (v instanceof RSymbol) return JSON.stringify(v.name);
  if (Array.isArray(v)) {
    if (!v.length) return '[]';
    const items = v.map((x) => pad(depth + 1) + toJson(x, indent, depth + 1));
    return `[${nl}${items.join(`,${nl}`)}${nl}${pad(depth)}]`;
  }
  if (v instanceof Map) {
    if (!v.size) return '{}';
    const sep = indent ? ': ' : ':';
    const items = [...v].map(([k, x]) => pad(depth + 1) + JSON.stringify(toS(k)) + sep + toJson(x, indent, depth + 1));
    return `{${nl}${items.join(`,${nl}`)}${nl}${pad(depth)}}`;
  }
  return JSON.stringify(inspect(v));
}

/** Psych writes YAML 1.1: strings such as 'yes', 'on' or '123' are single-quoted so they stay strings. */
const PSYCH = { version: '1.1', indentSeq: false, lineWidth: 0, singleQuote: true } as const;

/** Psych's layout: a `---` document, sequences not indented under their key. */
export function toYaml(v: Value): string {
  const data = toJs(v);
  if (data !== null && typeof data === 'object') {
    if (Array.isArray(data) ? data.length === 0 : Object.keys(data).length === 0)
      return `--- ${Array.isArray(data) ? '[]' : '{}'}\n`;
    return `---\n${YAML.stringify(data, PSYCH)}`;
  }
  return `--- ${data === null ? '' : YAML.stringify(data, PSYCH)}${data === null ? '\n' : ''}`;
}

export function parseJson(s: Value): Value {
  if (typeof s !== 'string') throw new RubyError(`no implicit conversion of ${withheld(s)} into String`);
  try {
    return fromJs(JSON.parse(s));
  } catch (e) {
    // The parser's own message quotes the text, which may be a secret.
    throw new RubyError(
      `JSON::ParserError: ${(e as Error).name === 'SyntaxError' ? 'the text is not valid JSON' : (e as Error).message}`,
    );
  }
}

export function parseYaml(s: Value): Value {
  if (typeof s !== 'string') throw new RubyError(`no implicit conversion of ${withheld(s)} into String`);
  try {
    return fromJs(YAML.parse(s, { version: '1.1' }));
  } catch (e) {
    // The parser's own message quotes the text around the problem, which may be a secret.
    throw new RubyError(`Psych::SyntaxError: ${yamlProblem(e)}`);
  }
}

function yamlProblem(e: unknown): string {
  if (!(e instanceof YAML.YAMLError)) return (e as Error).message;
  const at = e.linePos?.[0];
  return `${e.code}${at ? ` at line ${at.line} column ${at.col}` : ''}`;
}
