/** The template's `self`, as the Director's EvaluationContext: p, if_p, spec, properties, name, index, raise. */
import { RBlock, RHash, RObject, RStruct, Value, fromJs, hashGet, inspect, toS } from './ruby-values';
import { TemplateSelf } from './ruby-evaluator';
import { arity, needBlock } from './method-support';
import { RubyError } from './template-error';
import type { TemplateInput } from './render-template';

/** Hashes (recursively, also inside arrays) as OpenStructs, as the Director's `openstruct` helper does. */
export function openstruct(v: Value): Value {
  if (v instanceof Map) return new RStruct(new Map([...v].map(([k, x]) => [toS(k), openstruct(x)])));
  if (Array.isArray(v)) return v.map(openstruct);
  return v;
}

const SELF_METHODS = new Set([
  'p',
  'if_p',
  'spec',
  'properties',
  'raw_properties',
  'name',
  'index',
  'raise',
  'fail',
  'require',
  'require_relative',
  'puts',
  'print',
  'pp',
  'warn',
]);

export class TemplateContext implements TemplateSelf {
  private readonly properties: RHash;
  private readonly spec: RStruct;

  constructor(input: Pick<TemplateInput, 'properties' | 'spec'>) {
    this.properties = fromJs(input.properties ?? {}) as RHash;
    const spec = fromJs({ ...input.spec, properties: input.properties ?? {} }) as RHash;
    this.spec = openstruct(spec) as RStruct;
  }

  /** A dotted name's value, or nil when any step is missing. */
  lookup(name: string): Value {
    let v: Value = this.properties;
    for (const key of name.split('.')) {
      if (!(v instanceof Map)) return null;
      v = hashGet(v, key);
    }
    return v;
  }

  has(name: string): boolean {
    return SELF_METHODS.has(name);
  }

  call(name: string, args: Value[], block: RBlock | null): Value | undefined {
    switch (name) {
      case 'p':
        return this.p(args);
      case 'if_p':
        return this.ifP(args, block);
      case 'spec':
        return this.spec;
      case 'properties':
        return openstruct(this.properties);
      case 'raw_properties':
        return this.properties;
      case 'name':
        return this.spec.fields.get('job') instanceof RStruct
          ? ((this.spec.fields.get('job') as RStruct).fields.get('name') ?? null)
          : null;
      case 'index':
        return this.spec.fields.get('index') ?? null;
      case 'raise':
      case 'fail':
        throw new RubyError(args.length > 1 ? toS(args[1]) : args.length ? toS(args[0]) : 'unhandled exception');
      case 'require':
      case 'require_relative':
        return true;
      case 'puts':
      case 'print':
      case 'pp':
      case 'warn':
        return null;
      case 'link':
      case 'if_link':
      case 'link_exists?':
        throw new RubyError(`'${name}': links are not supported by this renderer`);
      default:
        return undefined;
    }
  }

  /** `p(name)`, `p(name, default)`, `p([names], default)`: the first name set (not nil), else the default. */
  private p(args: Value[]): Value {
    arity(args, 1, 2);
    const names = (Array.isArray(args[0]) ? args[0] : [args[0]]).map(toS);
    for (const n of names) {
      const v = this.lookup(n);
      if (v !== null) return v;
    }
    if (args.length === 2) return args[1];
    throw new RubyError(`Can't find property '${inspect(names)}'`);
  }

  /** Yields the values when every name is set; answers an object whose `else` runs only when one isn't. */
  private ifP(args: Value[], block: RBlock | null): Value {
    const values = args.map((n) => this.lookup(toS(n)));
    if (values.some((v) => v === null)) return this.elseBlock(true);
    needBlock(block)(...values);
    return this.elseBlock(false);
  }

  private elseBlock(active: boolean): RObject {
    return new RObject(
      active
        ? 'Bosh::Template::EvaluationContext::ActiveElseBlock'
        : 'Bosh::Template::EvaluationContext::InactiveElseBlock',
      {
        else: (args, block) => (active ? needBlock(block)() : null),
        else_if_p: (args, block) => (active ? this.ifP(args, block) : this.elseBlock(false)),
      },
    );
  }
}
