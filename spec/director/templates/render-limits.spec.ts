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

function renderError(source: string): TemplateError {
  try {
    renderTemplate(source, { properties: {}, spec, templateName: 'hostile.erb' });
  } catch (e) {
    if (e instanceof TemplateError) return e;
    throw e;
  }
  throw new Error(`expected a TemplateError from ${source}`);
}

describe('template render limits (one budget per render)', () => {
  const cases: [string, RegExp][] = [
    ['<% s = "x" * 500000000 %>', /string of 500000000 characters is too large/],
    ['<% 1000000.times { 1000000.times { } } %>', /template does too much work/],
    ['<% 1000000.times { 1000000.times.to_a } %>', /template does too much work/],
    ['<% a = []; 1000.times { a << "x" * 8000000 } %>', /template does too much work/],
    ['<% s = "x"; 40.times { s = s + s } %>', /string of 16777216 characters is too large/],
    ['<% a = [[1] * 1000] * 1000; ([a] * 1000).flatten %>', /array of 1000001 elements is too large/],
    ['<%= "%999999999d" % 1 %>', /too large/],
    ['<%= "x".ljust(999999999) %>', /too large/],
    ['<%= (("a" * 2000000) + "!") =~ /(a+)+$/ %>', /too long to match a regular expression/],
  ];
  for (const [source, message] of cases) {
    it(`refuses ${source}`, () => {
      const e = renderError(source);
      expect(e.message).to.match(/^Error filling in template 'hostile.erb' \(line 1: /);
      expect(e.message).to.match(message);
    });
  }

  it('leaves ordinary templates with loops and string building alone', () => {
    const out = renderTemplate('<% s = ""; 3000.times { |i| s += i.to_s + "\\n" } %><%= s.lines.size %>', {
      properties: {},
      spec,
      templateName: 't.erb',
    });
    expect(out).to.equal('3000');
  });
});
