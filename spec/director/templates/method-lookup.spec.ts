import { expect } from 'chai';
import { renderTemplate, TemplateError, TemplateSpec } from '../../../src/families/director/templates/render-template';

const spec: TemplateSpec = {
  name: 'web',
  id: 'id-0',
  index: 0,
  deployment: 'd',
  address: '127.0.0.1',
  bootstrap: true,
  job: { name: 'nginx' },
};

function render(source: string): string {
  return renderTemplate(source, { properties: {}, spec, templateName: 'test.erb' });
}

function renderError(source: string): TemplateError {
  try {
    const out = render(source);
    throw new Error(`expected a TemplateError from ${source}, got ${JSON.stringify(out)}`);
  } catch (e) {
    if (!(e instanceof TemplateError)) throw e;
    return e;
  }
}

/** Every name JavaScript objects answer through their prototype, which no template method may reach. */
const PROTOTYPE_NAMES = [
  ...new Set([...Object.getOwnPropertyNames(Object.prototype), '__proto__', 'constructor', 'prototype']),
];

const RECEIVERS: Record<string, string> = {
  string: '"x"',
  array: '[1, 2]',
  hash: '{ "a" => 1 }',
  integer: '1',
  float: '1.5',
  nil: 'nil',
  symbol: ':sym',
  range: '(1..2)',
  boolean: 'true',
  class: 'JSON',
  'if_p result': 'if_p("missing") {}',
};

describe('template method lookup never reaches JavaScript prototypes', () => {
  it('walks every name of Object.prototype', () => {
    expect(PROTOTYPE_NAMES).to.include.members([
      'constructor',
      'toString',
      'valueOf',
      'hasOwnProperty',
      '__proto__',
      '__defineGetter__',
      'prototype',
    ]);
  });

  for (const [kind, recv] of Object.entries(RECEIVERS)) {
    it(`${kind}: send, public_send and plain calls of those names are undefined methods`, () => {
      for (const name of PROTOTYPE_NAMES) {
        for (const call of [
          `(${recv}).send(${JSON.stringify(name)})`,
          `(${recv}).public_send(:${name})`,
          `(${recv}).${name}`,
          `(${recv}).${name}(1)`,
        ]) {
          const e = renderError(`<%= ${call} %>`);
          expect(e.message, call).to.match(
            new RegExp(`^Error filling in template 'test.erb' \\(line 1: undefined method '${name}' for `),
          );
        }
        expect(
          render(`<%= (${recv}).respond_to?(${JSON.stringify(name)}) %>`),
          `${recv}.respond_to?(${name})`,
        ).to.equal('false');
      }
    });
  }

  it('the template itself: calls of those names are undefined methods, and defined? says nil', () => {
    for (const name of PROTOTYPE_NAMES) {
      expect(renderError(`<%= ${name}(1) %>`).message, name).to.include(
        `undefined method '${name}' for an instance of Bosh::Template::EvaluationContext`,
      );
      expect(render(`<%= defined?(${name}(1)).inspect %>`), name).to.equal('nil');
    }
  });

  it('ordinary methods still answer', () => {
    expect(
      render(
        '<%= "x".send(:upcase) %> <%= [3, 1].public_send(:sort).inspect %> <%= 1.respond_to?(:times) %> <%= nil.to_a.inspect %>',
      ),
    ).to.equal('X [1, 3] true []');
  });
});
