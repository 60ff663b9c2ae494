import { expect } from 'chai';
import { renderTemplate, TemplateError, TemplateSpec } from '../../../src/families/director/templates/render-template';

const baseSpec: TemplateSpec = {
  name: 'web',
  id: '6a1c1e4c-0d4c-4a3e-9f55-2b1f0d0c5e7a',
  index: 2,
  deployment: 'cf',
  address: 'web-2.cf.internal',
  ip: '10.0.16.7',
  az: 'z1',
  bootstrap: false,
  job: { name: 'nginx' },
  networks: { default: { ip: '10.0.16.7' } },
  release: { name: 'nginx-release', version: '1.2.3' },
};

function render(source: string, properties: Record<string, unknown> = {}, spec: Partial<TemplateSpec> = {}): string {
  return renderTemplate(source, { properties, spec: { ...baseSpec, ...spec }, templateName: 'test.erb' });
}

function renderError(source: string, properties: Record<string, unknown> = {}): TemplateError {
  try {
    render(source, properties);
  } catch (e) {
    expect(e).to.be.instanceOf(TemplateError);
    return e as TemplateError;
  }
  throw new Error(`expected a TemplateError from ${JSON.stringify(source)}`);
}

/** Each `[expression, output]` pair rendered as `<%= expression %>`. */
function expectOutputs(pairs: [string, string][], properties: Record<string, unknown> = {}): void {
  for (const [expr, out] of pairs) expect(render(`<%= ${expr} %>`, properties), expr).to.equal(out);
}

describe('renderTemplate (ERB job templates)', () => {
  describe('ERB tags', () => {
    it('passes text through unchanged', () => {
      expect(render('plain\ntext with % and > and <\n')).to.equal('plain\ntext with % and > and <\n');
    });

    it('outputs <%= %> values and runs <% %> code without output', () => {
      expect(render('a<% x = 1 %>b<%= x + 1 %>c')).to.equal('ab2c');
    });

    it('keeps the newline after a plain %> tag', () => {
      expect(render('<% x = 1 %>\nvalue\n')).to.equal('\nvalue\n');
    });

    it('eats the newline after -%>', () => {
      expect(render('<% x = 1 -%>\nvalue <%= x -%>\nend')).to.equal('value 1end');
    });

    it('strips the indentation before <%- at the start of a line', () => {
      expect(render('list:\n  <%- [1, 2].each do |i| -%>\n  - <%= i %>\n  <%- end -%>\ndone\n')).to.equal(
        'list:\n  - 1\n  - 2\ndone\n',
      );
      expect(render('a <%- x = 1 %>b')).to.equal('a b');
    });

    it('drops <%# %> comments, and their newline with -%>', () => {
      expect(render('<%# a comment with p("missing") %>x\n<%# another -%>\ny')).to.equal('x\ny');
    });

    it('writes <%% as a literal <%, and %%> inside a tag as %>', () => {
      expect(render('<%% not code %> <%= "%%>" %>')).to.equal('<% not code %> %>');
    });

    it('evaluates tags spread over several lines, and several statements in one <%= %>', () => {
      expect(render('<%=\n  x = [1,\n    2]\n  x.map { |i| i * 10 }\n    .join("-")\n%>')).to.equal('10-20');
    });

    it('reports an unterminated tag with its line', () => {
      const e = renderError('ok\n<%= p("a"');
      expect(e.line).to.equal(2);
      expect(e.message).to.match(/^Error filling in template 'test.erb' \(line 2: unterminated ERB tag/);
    });
  });

  describe('p', () => {
    const props = { a: { b: 'x', n: 0, f: false, nil: null, list: [1, 2] }, port: 8080 };

    it('reads dotted property names', () => {
      expectOutputs(
        [
          ['p("a.b")', 'x'],
          ['p("port")', '8080'],
          ['p("a.list").size', '2'],
          ['p("a.n")', '0'],
        ],
        props,
      );
    });

    it('returns false and 0 as set values', () => {
      expectOutputs(
        [
          ['p("a.f", true)', 'false'],
          ['p("a.n", 5)', '0'],
        ],
        props,
      );
    });

    it('falls back to a default of any kind when the property is missing', () => {
      expectOutputs(
        [
          ['p("x.y", nil).nil?', 'true'],
          ['p("x.y", "d")', 'd'],
          ['p("x.y", 42)', '42'],
          ['p("x.y", 1.5)', '1.5'],
          ['p("x.y", [1, 2]).join(",")', '1,2'],
          ['p("x.y", { "k" => "v" })["k"]', 'v'],
          ['p("a.b", "default")', 'x'],
        ],
        props,
      );
    });

    it('treats a property set to nil as missing: the default, or an error without one', () => {
      expect(render('<%= p("a.nil", "d") %>', props)).to.equal('d');
      expect(renderError('<%= p("a.nil") %>', props).message).to.equal(
        `Error filling in template 'test.erb' (line 1: Can't find property '["a.nil"]')`,
      );
    });

    it('takes the first set name of a list', () => {
      expectOutputs(
        [
          ['p(["x.y", "a.b", "port"])', 'x'],
          ['p(["x.y", "z"], "none")', 'none'],
        ],
        props,
      );
    });

    it("fails on a missing property with the Director's message and the line", () => {
      const e = renderError('one\ntwo\nport: <%= p("a.missing") %>\n', props);
      expect(e.message).to.equal(`Error filling in template 'test.erb' (line 3: Can't find property '["a.missing"]')`);
      expect(e.line).to.equal(3);
      expect(renderError('<%= p(["x", "y"]) %>').message).to.contain(`Can't find property '["x", "y"]'`);
    });

    it('reaches properties as an OpenStruct too (properties.a.b)', () => {
      expectOutputs(
        [
          ['properties.a.b', 'x'],
          ['properties.a.missing.nil?', 'true'],
        ],
        props,
      );
    });
  });

  describe('if_p', () => {
    const props = { tls: { cert: 'CERT', key: 'KEY' }, name: 'n' };

    it('yields the value when the property is set', () => {
      expect(render('<% if_p("tls.cert") do |c| %>cert=<%= c %><% end %>', props)).to.equal('cert=CERT');
    });

    it('yields several values, and skips the block when one is missing', () => {
      expect(render('<% if_p("tls.cert", "tls.key") do |c, k| %><%= c %>/<%= k %><% end %>', props)).to.equal(
        'CERT/KEY',
      );
      expect(render('<% if_p("tls.cert", "tls.ca") do |c, ca| %>yes<% end %>', props)).to.equal('');
    });

    it('runs .else only when a property is missing', () => {
      const t = '<% if_p("%s") do |v| -%>\nset <%= v %>\n<% end.else do -%>\nunset\n<% end -%>\n';
      expect(render(t.replace('%s', 'name'), props)).to.equal('set n\n');
      expect(render(t.replace('%s', 'nothing'), props)).to.equal('unset\n');
    });

    it('chains else_if_p', () => {
      const t = '<% if_p("a") do |a| %>a<% end.else_if_p("name") do |n| %>n=<%= n %><% end.else do %>none<% end %>';
      expect(render(t, props)).to.equal('n=n');
      expect(render(t, {})).to.equal('none');
    });

    it('nests, with blocks spanning text and tags', () => {
      const t = [
        '<% if_p("tls") do |tls| -%>',
        'tls:',
        '<%   tls.each do |k, v| -%>',
        '<%     if_p("name") do |n| -%>',
        '  <%= n %>.<%= k %>: <%= v %>',
        '<%     end -%>',
        '<%   end -%>',
        '<% end -%>',
      ].join('\n');
      expect(render(t, props)).to.equal('tls:\n  n.cert: CERT\n  n.key: KEY\n');
    });
  });

  describe('spec and the old-style helpers', () => {
    it('exposes every spec field', () => {
      expectOutputs([
        ['spec.name', 'web'],
        ['spec.id', baseSpec.id],
        ['spec.index', '2'],
        ['spec.deployment', 'cf'],
        ['spec.address', 'web-2.cf.internal'],
        ['spec.ip', '10.0.16.7'],
        ['spec.az', 'z1'],
        ['spec.bootstrap', 'false'],
        ['spec.job.name', 'nginx'],
        ['spec.networks.default.ip', '10.0.16.7'],
        ['spec.networks.to_h.keys.join', 'default'],
        ['spec.release.name', 'nginx-release'],
        ['spec.release.version', '1.2.3'],
      ]);
    });

    it('reads unknown and absent spec fields as nil', () => {
      expect(render('<%= spec.az.nil? %>/<%= spec.whatever.inspect %>', {}, { az: undefined })).to.equal('true/nil');
    });

    it('has name (the job name, as the Director) and index', () => {
      expectOutputs([
        ['name', 'nginx'],
        ['index', '2'],
        ['index.zero?', 'false'],
      ]);
    });

    it('branches on spec.bootstrap', () => {
      const t = '<% if spec.bootstrap %>first<% else %>other<% end %>';
      expect(render(t, {}, { bootstrap: true })).to.equal('first');
      expect(render(t)).to.equal('other');
    });
  });

  describe('control flow and operators', () => {
    it('if / elsif / else / end', () => {
      const t = '<% if x > 10 %>big<% elsif x > 5 %>mid<% else %>small<% end %>';
      expect(render(`<% x = 20 %>${t}`)).to.equal('big');
      expect(render(`<% x = 7 %>${t}`)).to.equal('mid');
      expect(render(`<% x = 1 %>${t}`)).to.equal('small');
    });

    it('unless / else, and modifier if / unless', () => {
      expect(render('<% unless false %>a<% else %>b<% end %><% unless true %>c<% else %>d<% end %>')).to.equal('ad');
      expect(render('<%= "yes" if 1 < 2 %>|<%= "no" if 1 > 2 %>|<%= "u" unless nil %>')).to.equal('yes||u');
      expect(render('<% x = 1 %><% x = 2 if true %><% x = 3 unless true %><%= x %>')).to.equal('2');
    });

    it('the ternary operator', () => {
      expectOutputs([
        ['true ? "a" : "b"', 'a'],
        ['nil ? "a" : "b"', 'b'],
        ['[].empty? ? 1 : 2', '1'],
        ['false ? "a" :"b"', 'b'],
        ['{ a: :b }', '{:a=>:b}'],
        ['[1].push :x', '[1, :x]'],
      ]);
    });

    it('case / when / else, with several values per when and without a subject', () => {
      const t = '<% case v when "a", "b" %>ab<% when "c" then %>c<% else %>other<% end %>';
      expect(render(`<% v = "b" %>${t}`)).to.equal('ab');
      expect(render(`<% v = "c" %>${t}`)).to.equal('c');
      expect(render(`<% v = "z" %>${t}`)).to.equal('other');
      expectOutputs([
        ['case 5\nwhen 1..3 then "low"\nwhen Integer then "int"\nend', 'int'],
        ['case\nwhen false then 1\nwhen 2 > 1 then 2\nend', '2'],
        ['case "x" when String then "s" end', 's'],
      ]);
    });

    it('boolean operators with Ruby truthiness (only nil and false are falsy)', () => {
      expectOutputs([
        ['0 && "zero is true"', 'zero is true'],
        ['"" && "empty is true"', 'empty is true'],
        ['nil || "d"', 'd'],
        ['false || nil', ''],
        ['!nil', 'true'],
        ['!0', 'false'],
        ['(true and false)', 'false'],
        ['(nil or 3)', '3'],
        ['(not true)', 'false'],
        ['1 == 1.0', 'true'],
        ['"a" != "b"', 'true'],
        ['[1, [2]] == [1, [2]]', 'true'],
        ['{ "a" => 1 } == { "a" => 1 }', 'true'],
        ['1 <= 1 && 2 >= 3', 'false'],
        ['"a" < "b"', 'true'],
      ]);
    });

    it('arithmetic as Ruby does it', () => {
      expectOutputs(
        [
          ['1 + 2 * 3', '7'],
          ['(1 + 2) * 3', '9'],
          ['7 / 2', '3'],
          ['-7 / 2', '-4'],
          ['7 % 3', '1'],
          ['-7 % 3', '2'],
          ['7.0 / 2', '3.5'],
          ['2 ** 10', '1024'],
          ['1.0', '1.0'],
          ['1.5 + 1.5', '3.0'],
          ['10 - 2.5', '7.5'],
          ['"a" + "b"', 'ab'],
          ['"ab" * 3', 'ababab'],
          ['[1] + [2]', '[1, 2]'],
          ['-x', '-4'],
        ].map(([e, o]) => [`(x = 4; ${e})`, o] as [string, string]),
      );
    });
  });

  describe('literals', () => {
    it('numbers, strings, symbols, nil and booleans', () => {
      expectOutputs([
        ['42', '42'],
        ['1_000', '1000'],
        ['3.25', '3.25'],
        ['"double"', 'double'],
        ["'single #{not} \\'q\\''", "single #{not} 'q'"],
        ['"tab\\tnl\\nq\\"b\\\\"', 'tab\tnl\nq"b\\'],
        ['"sum #{1 + 2} and #{"nested #{:x}"}"', 'sum 3 and nested x'],
        [':sym', 'sym'],
        [':sym.inspect', ':sym'],
        ['nil', ''],
        ['true', 'true'],
        ['%w[a b c].join("+")', 'a+b+c'],
      ]);
    });

    it('arrays and hashes print like Ruby', () => {
      expectOutputs([
        ['[1, "a", nil, 1.0, :s, [true]]', '[1, "a", nil, 1.0, :s, [true]]'],
        ['{ "a" => 1, b: "x", 3 => [nil] }', '{"a"=>1, :b=>"x", 3=>[nil]}'],
        ['{}', '{}'],
        ['[]', '[]'],
        ['{ b: 2 }[:b]', '2'],
        ['{ "b" => 2 }[:b].inspect', 'nil'],
      ]);
    });

    it('ranges', () => {
      expectOutputs([
        ['(1..3).to_a', '[1, 2, 3]'],
        ['(1...3).map { |i| i * 2 }', '[2, 4]'],
        ['(1..10).include?(10)', 'true'],
        ['[0, 1, 2, 3][1..2]', '[1, 2]'],
        ['"hello"[1..-2]', 'ell'],
      ]);
    });
  });

  describe('variables and blocks', () => {
    it('assigns and reassigns locals, across tags', () => {
      expect(render('<% x = 1 %><% x += 2 %><% y ||= x * 2 %><%= x %>,<%= y %>')).to.equal('3,6');
    });

    it('iterates with each, each_with_index, map, select and times', () => {
      expectOutputs([
        ['[1, 2, 3].map { |i| i * i }', '[1, 4, 9]'],
        ['[1, 2, 3, 4].select { |i| i.even? }', '[2, 4]'],
        ['[1, 2, 3].reject(&:odd?)', '[2]'],
        ['%w[a b].map(&:upcase)', '["A", "B"]'],
        ['[1, 2, 3].inject(0) { |s, i| s + i }', '6'],
        ['[1, 2, 3].sum', '6'],
        ['%w[a b].each_with_index.map { |s, i| "#{i}#{s}" }', '["0a", "1b"]'],
        ['3.times.map { |i| i }', '[0, 1, 2]'],
      ]);
      expect(render('<% %w[a b].each_with_index do |s, i| %><%= i %>:<%= s %> <% end %>')).to.equal('0:a 1:b ');
      expect(render('<% 3.times do |i| -%>\n<%= i %>\n<% end -%>\n')).to.equal('0\n1\n2\n');
    });

    it('iterates hashes with |k, v| and |(k, v), i|', () => {
      const props = { env: { A: '1', B: '2' } };
      expect(render('<% p("env").each do |k, v| %><%= k %>=<%= v %>;<% end %>', props)).to.equal('A=1;B=2;');
      expect(render('<% p("env").each_with_index do |(k, v), i| %><%= i %><%= k %><%= v %><% end %>', props)).to.equal(
        '0A11B2',
      );
      expectOutputs(
        [
          ['p("env").map { |k, v| "#{k}:#{v}" }.join(" ")', 'A:1 B:2'],
          ['p("env").select { |k, v| v == "2" }.keys', '["B"]'],
        ],
        props,
      );
    });

    it('block variables stay in their block; outer variables can be changed from inside', () => {
      expect(
        render(
          '<% total = 0 %><% [1, 2].each do |i| total += i; inner = i end %><%= total %>|<%= defined_later = 1 %>',
        ),
      ).to.equal('3|1');
      expect(renderError('<% [1].each { |i| z = i } %><%= z %>').message).to.contain(
        "undefined local variable or method 'z'",
      );
    });

    it('next and break in blocks', () => {
      expectOutputs([
        ['[1, 2, 3].map { |i| next 0 if i == 2; i }', '[1, 0, 3]'],
        ['[1, 2, 3].each { |i| break i * 10 if i == 2 }', '20'],
      ]);
    });

    it('rescue as a modifier and in begin ... end', () => {
      expect(render('<% x = p("a.b") rescue "fallback" %><%= x %>')).to.equal('fallback');
      expect(render('<%= Integer("zz") rescue -1 %>')).to.equal('-1');
      expect(render('<% begin %>a<%= p("nope") %><% rescue %>rescued<% end %>')).to.equal('arescued');
      const t =
        '<% begin %><% Integer("x") %><% rescue ArgumentError, URI::InvalidURIError => e %>error: <%= e.message %><% end %>';
      expect(render(t)).to.equal('error: invalid value for Integer(): String (value not shown)');
    });

    it('method chains over several lines, with the dot leading or trailing', () => {
      expect(render('<%= [2, 1].\n  sort.\n  join(",") %>|<%= [2, 1]\n  .sort\n  .first %>')).to.equal('1,2|1');
    });

    it('def defines a helper method, with *rest parameters, return, and *splat arguments', () => {
      expect(render('<% def quote(s)\n "\'#{s}\'"\nend %><%= quote("x") %>')).to.equal("'x'");
      const t = `<%
  def p_opt(name)
    p(name, nil)
  end

  def dig_path(hash, *keys)
    keys.each do |k|
      return nil unless hash.is_a?(Hash)
      hash = hash[k]
    end
    return hash
  end
  path = %w[a b]
-%>
<%= dig_path(p_opt("tree"), *path).inspect %> <%= dig_path(p_opt("tree"), "a", "b", "c").inspect %> <%= p_opt("none").inspect %>`;
      expect(render(t, { tree: { a: { b: 1 } } })).to.equal('1 nil nil');
      expect(renderError('<% def f(a) a end %><%= f(1, 2) %>').message).to.contain(
        'wrong number of arguments (given 2, expected 1)',
      );
    });

    it('defined? tells locals, methods and constants from unknown names', () => {
      expectOutputs([
        ['(x = 1; defined?(x))', 'local-variable'],
        ['defined?(p)', 'method'],
        ['defined?(doc).inspect', 'nil'],
        ['defined?(MockProperty).inspect', 'nil'],
        ['!!defined?(doc) && doc == "true"', 'false'],
      ]);
    });
  });

  describe('methods on values', () => {
    it('conversions', () => {
      expectOutputs([
        ['nil.to_s.empty?', 'true'],
        ['12.to_s + "3"', '123'],
        ['"42abc".to_i + 1', '43'],
        ['"x".to_i', '0'],
        ['"1.5".to_f', '1.5'],
        ['3.to_f', '3.0'],
        ['3.7.to_i', '3'],
        ['2.5.round', '3'],
        ['"a".to_sym.inspect', ':a'],
        ['[1, "a"].inspect', '[1, "a"]'],
        ['"q\\"".inspect', '"q\\""'],
        ['Integer("12") + 1', '13'],
        ['Array(nil).size', '0'],
        ['Array("a")', '["a"]'],
        ['format("%05.1f|%-3s|%d", 3.14159, "a", 7)', '003.1|a  |7'],
        ['"%.2f" % 2.5', '2.50'],
        ['"%s-%s" % ["a", 1]', 'a-1'],
        ["'adjacent' ' strings'", 'adjacent strings'],
        ['[1, 2] <=> [1, 3]', '-1'],
        [':b <=> :a', '1'],
      ]);
    });

    it('to_json, JSON.dump and JSON.pretty_generate', () => {
      expectOutputs([
        ['{ "a" => [1, 2.0, nil, true], b: "s\\"q" }.to_json', '{"a":[1,2.0,null,true],"b":"s\\"q"}'],
        ['"str".to_json', '"str"'],
        ['nil.to_json', 'null'],
        ['JSON.dump([1, { "k" => :v }])', '[1,{"k":"v"}]'],
        ['JSON.pretty_generate({ "a" => [1], "b" => {} })', '{\n  "a": [\n    1\n  ],\n  "b": {}\n}'],
        ['JSON.parse(\'{"a": [1, 2.5]}\')["a"]', '[1, 2.5]'],
      ]);
    });

    it('to_yaml', () => {
      expectOutputs([
        [
          '{ "a" => 1, "list" => ["x", "y"], "h" => { "k" => nil } }.to_yaml',
          "---\na: 1\nlist:\n- x\n- 'y'\nh:\n  k: null\n",
        ],
        ['[1, 2].to_yaml', '---\n- 1\n- 2\n'],
        [
          '{ "bool_like" => "yes", "num_like" => "8080", "plain" => "abc" }.to_yaml',
          "---\nbool_like: 'yes'\nnum_like: '8080'\nplain: abc\n",
        ],
        ['YAML.load("a: [1, 2]")', '{"a"=>[1, 2]}'],
      ]);
      expect(render('<%= p("cfg").to_yaml %>', { cfg: { port: 80 } })).to.equal('---\nport: 80\n');
    });

    it('strings', () => {
      expectOutputs([
        ['"Ab".upcase + "Ab".downcase', 'ABab'],
        ['"  x \\n".strip', 'x'],
        ['"a,b,,c".split(",")', '["a", "b", "", "c"]'],
        ['" a  b ".split', '["a", "b"]'],
        ['"a.b.c".split(".", 2)', '["a", "b.c"]'],
        ['"hello".include?("ell")', 'true'],
        ['"hello".length', '5'],
        ['"hello".size', '5'],
        ['"a-b-c".gsub("-", "_")', 'a_b_c'],
        ['"a-b-c".sub("-", "_")', 'a_b-c'],
        ['"a1b22".gsub(/\\d+/, "#")', 'a#b#'],
        ['"key=val".sub(/(\\w+)=(\\w+)/, "\\\\2=\\\\1")', 'val=key'],
        ['"https://x".start_with?("http", "ftp")', 'true'],
        ['"file.yml".end_with?(".yml")', 'true'],
        ['"".empty?', 'true'],
        ['"hello"[0]', 'h'],
        ['"hello"[-3, 2]', 'll'],
        ['"ab" =~ /b/', '1'],
        ['"it\'s here".shellescape', "it\\'s\\ here"],
      ]);
    });

    it('arrays', () => {
      expectOutputs([
        ['[3, 1, 2].sort', '[1, 2, 3]'],
        ['[3, 1, 2].sort.reverse.first', '3'],
        ['[1, 2, 3].first(2)', '[1, 2]'],
        ['[1, 2, 3].last', '3'],
        ['[1, 1, 2].uniq', '[1, 2]'],
        ['[1, nil, 2].compact', '[1, 2]'],
        ['[1, [2, [3]]].flatten', '[1, 2, 3]'],
        ['%w[a b].join(", ")', 'a, b'],
        ['[1, [2, 3]].join(",")', '1,2,3'],
        ['[1, 2].include?(2)', 'true'],
        ['[1, 2].count', '2'],
        ['[1, 2, 3].count(&:odd?)', '2'],
        ['[].any?', 'false'],
        ['[nil, 1].any?', 'true'],
        ['[2, 4].all?(&:even?)', 'true'],
        ['[1, 2][5].nil?', 'true'],
        ['[1, 2][-1]', '2'],
        ['[1, 2, 3].min', '1'],
        ['[1, 2, 3].max', '3'],
        ['[%w[a 1], %w[b 2]].to_h', '{"a"=>"1", "b"=>"2"}'],
        ['[1, 2, 3] - [2]', '[1, 3]'],
        ['(a = [1]; a << 2; a.push(3); a)', '[1, 2, 3]'],
        ['["b", "a"].sort_by { |s| s }', '["a", "b"]'],
        ['%w[x y].group_by(&:size)', '{1=>["x", "y"]}'],
      ]);
    });

    it('hashes', () => {
      const props = { h: { a: 1, b: { c: 2 } } };
      expectOutputs(
        [
          ['p("h").keys', '["a", "b"]'],
          ['p("h").values.first', '1'],
          ['p("h").key?("a")', 'true'],
          ['p("h").has_key?("z")', 'false'],
          ['p("h")["b"]["c"]', '2'],
          ['p("h").dig("b", "c")', '2'],
          ['p("h").fetch("a", 9)', '1'],
          ['p("h").fetch("z", 9)', '9'],
          ['p("h").fetch("z") { |k| k * 2 }', 'zz'],
          ['p("h").merge({ "a" => 5, "d" => 6 })', '{"a"=>5, "b"=>{"c"=>2}, "d"=>6}'],
          ['p("h").size', '2'],
          ['p("h").length', '2'],
          ['p("h").empty?', 'false'],
          ['p("h").any? { |k, v| v == 1 }', 'true'],
          ['p("h").sort.first', '["a", 1]'],
          ['p("h").to_a.last.first', 'b'],
          ['(x = {}; x["k"] = "v"; x)', '{"k"=>"v"}'],
          ['p("h").reject { |k, v| k == "b" }', '{"a"=>1}'],
          ['p("h").transform_values(&:to_s)["a"]', '1'],
        ],
        props,
      );
    });

    it('bang methods change arrays, hashes and string variables in place', () => {
      expect(render('<% a = [3, 1, 3] %><% a.sort! %><% a.uniq! %><%= a %>')).to.equal('[1, 3]');
      expect(render('<% h = { "a" => nil, "b" => 1 } %><% h.compact! %><% h.merge!("c" => 2) %><%= h %>')).to.equal(
        '{"b"=>1, "c"=>2}',
      );
      expect(render('<% s = "  x-y " %><% s.strip! %><% s.gsub!("-", "_") %><% s << "!" %>[<%= s %>]')).to.equal(
        '[x_y!]',
      );
      expect(renderError('<%= [1].frobnicate! %>').message).to.contain(
        "undefined method 'frobnicate!' for an instance of Array",
      );
    });

    it('type checks: is_a?, nil?, respond_to?, class', () => {
      expectOutputs([
        ['{}.is_a?(Hash)', 'true'],
        ['[].is_a?(Array)', 'true'],
        ['"".is_a?(String)', 'true'],
        ['1.is_a?(Integer)', 'true'],
        ['1.5.is_a?(Float)', 'true'],
        ['1.5.is_a?(Numeric)', 'true'],
        ['1.is_a?(String)', 'false'],
        ['nil.nil?', 'true'],
        ['0.nil?', 'false'],
        ['"a".respond_to?(:upcase)', 'true'],
        ['"a".respond_to?(:nope)', 'false'],
        ['"a".class', 'String'],
        ['{}.class == Hash', 'true'],
      ]);
    });

    it('require is a no-op; raise fails the render with the message', () => {
      expect(render('<% require \'json\' %><% require "yaml" %>ok')).to.equal('ok');
      const e = renderError('ok\n<% raise "port must be set" if p("port", nil).nil? %>');
      expect(e.message).to.equal("Error filling in template 'test.erb' (line 2: port must be set)");
      expect(e.line).to.equal(2);
      expect(renderError('<% raise ArgumentError, "bad tls mode" %>').message).to.equal(
        "Error filling in template 'test.erb' (line 1: bad tls mode)",
      );
    });
  });

  describe('errors', () => {
    it('do not quote the values they fail on (a property may be a secret)', () => {
      const props = { pw: 'hunter2-s3cret', yaml: 'k: [hunter2-s3cret', list: ['hunter2-s3cret'] };
      for (const source of [
        '<%= Integer(p("pw")) %>',
        '<%= Float(p("pw")) %>',
        '<%= format("%d", p("pw")) %>',
        '<%= {}.merge(p("list")) %>',
        '<%= JSON.parse(p("pw")) %>',
        '<%= YAML.load(p("yaml")) %>',
        '<%= JSON.parse(p("list")) %>',
        '<%= [1, p("pw")].sort %>',
      ]) {
        const message = renderError(source, props).message;
        expect(message, source).to.match(/^Error filling in template 'test.erb' \(line 1: /);
        expect(message, source).not.to.contain('hunter2');
      }
      expect(renderError('<%= Integer(p("pw")) %>', props).message).to.contain(
        'invalid value for Integer(): String (value not shown)',
      );
    });

    it('unknown local variables and methods name the line', () => {
      const e = renderError('a\nb\n<%= nope %>');
      expect(e.line).to.equal(3);
      expect(e.message).to.equal(
        "Error filling in template 'test.erb' (line 3: undefined local variable or method 'nope' for an instance of Bosh::Template::EvaluationContext)",
      );
      expect(renderError('<%= "s".frobnicate %>').message).to.contain(
        "undefined method 'frobnicate' for an instance of String",
      );
      expect(renderError('<%= nil.empty? %>').message).to.contain("undefined method 'empty?' for nil");
    });

    it('syntax errors name the line', () => {
      const unclosed = renderError('<% if true %>\nx\n<% [1].each do |i| %>\n');
      expect(unclosed.message).to.match(/syntax error, unexpected end-of-input, expecting 'end'/);
      const stray = renderError('x\n<% end %>');
      expect(stray.line).to.equal(2);
      expect(stray.message).to.contain("line 2: syntax error, unexpected 'end'");
      expect(renderError('<%= 1 + %>').message).to.contain('syntax error');
      expect(renderError('<%= ) %>').message).to.contain("syntax error, unexpected ')'");
    });

    it('unsupported constructs are TemplateErrors naming the construct and line', () => {
      expect(renderError('\n<% x = <<~EOS\nhi\nEOS\n%>').message).to.contain('line 2: heredocs are not supported');
      expect(renderError('<% yield %>').message).to.contain("'yield' is not supported");
      expect(renderError('<%= link("db").address %>').message).to.contain('links are not supported');
      expect(renderError('<%= Time.now %>').message).to.contain('uninitialized constant Time');
      expect(renderError('<%= `ls` %>').message).to.contain('backtick');
    });

    it('type errors never escape as JS exceptions', () => {
      for (const src of [
        '<%= 1 + "a" %>',
        '<%= "a" + 1 %>',
        '<%= nil + 1 %>',
        '<%= [1] - 5 %>',
        '<%= 1 / 0 %>',
        '<%= {}.fetch("x") %>',
        '<%= [3, "a"].sort %>',
        '<% def f(n) f(n) end %><%= f(1) %>',
        '<%= [1, 2].each_slice(0) %>',
        '<%= (1..10**9).to_a %>',
        '<%= Array.new(10**9) %>',
        '<%= [1] & nil %>',
      ]) {
        const e = renderError(src);
        expect(e.message, src).to.match(/^Error filling in template 'test.erb' \(/);
        expect(e.message, src).not.to.match(/is not a function|Cannot read properties|of undefined/);
      }
    });
  });

  describe('realistic job templates', () => {
    it('renders a bpm.yml.erb', () => {
      const template = `---
processes:
- name: <%= name %>
  executable: /var/vcap/packages/nginx/sbin/nginx
  args:
  - -c
  - /var/vcap/jobs/<%= name %>/etc/nginx.conf
<% if p("nginx.env", {}).any? -%>
  env:
<% p("nginx.env").each do |k, v| -%>
    <%= k %>: <%= v.to_s.to_json %>
<% end -%>
<% end -%>
  limits:
    open_files: <%= p("nginx.limits.open_files") %>
<% if_p("nginx.limits.memory") do |mem| -%>
    memory: <%= mem %>
<% end -%>
  ephemeral_disk: true
`;
      const props = { nginx: { env: { WORKERS: 4, MODE: 'prod' }, limits: { open_files: 65536, memory: null } } };
      expect(render(template, props)).to.equal(`---
processes:
- name: nginx
  executable: /var/vcap/packages/nginx/sbin/nginx
  args:
  - -c
  - /var/vcap/jobs/nginx/etc/nginx.conf
  env:
    WORKERS: "4"
    MODE: "prod"
  limits:
    open_files: 65536
  ephemeral_disk: true
`);
    });

    it('renders a bpm.yml.erb built as a Ruby hash and dumped with YAML.dump in one <%= %>', () => {
      const template = `<%=
require 'yaml'

bpm = {
  "processes" => [
    {
      "name" => "worker",
      "executable" => "/var/vcap/packages/worker/bin/worker",
      "args" => ["--config", "/var/vcap/jobs/worker/config/worker.yml"],
      "limits" => { "open_files" => p("worker.max_open_files") },
      "additional_volumes" => [
        { "path" => File.dirname(p("worker.state_file")), "writable" => true },
      ],
    },
  ]
}
if_p("worker.env") do |env|
  bpm["processes"][0]["env"] = env
end

YAML.dump(bpm)
%>
`;
      const out = render(template, {
        worker: { max_open_files: 4096, state_file: '/var/vcap/data/worker/state.json', env: { LOG: 'debug' } },
      });
      expect(out).to.equal(`---
processes:
- name: worker
  executable: /var/vcap/packages/worker/bin/worker
  args:
  - --config
  - /var/vcap/jobs/worker/config/worker.yml
  limits:
    open_files: 4096
  additional_volumes:
  - path: /var/vcap/data/worker
    writable: true
  env:
    LOG: debug

`);
    });

    it('renders a ctl.erb shell script', () => {
      const template = `#!/bin/bash
set -e
RUN_DIR=/var/vcap/sys/run/<%= name %>
PIDFILE=$RUN_DIR/<%= name %>.pid
<% if spec.bootstrap -%>
export BOOTSTRAP=true
<% end -%>

case $1 in
  start)
    mkdir -p $RUN_DIR
    echo $$ > $PIDFILE
    exec /var/vcap/packages/app/bin/app \\
      --listen <%= spec.address %>:<%= p("app.port") %> \\
<% p("app.peers", []).each do |peer| -%>
      --peer <%= peer %> \\
<% end -%>
      --node <%= spec.name %>/<%= spec.index %>
    ;;
  stop)
    kill -9 \`cat $PIDFILE\`
    rm -f $PIDFILE
    ;;
  *)
    echo "Usage: ctl {start|stop}"
    ;;
esac
`;
      const out = render(template, { app: { port: 4001, peers: ['10.0.0.1', '10.0.0.2'] } }, { bootstrap: true });
      expect(out).to.equal(`#!/bin/bash
set -e
RUN_DIR=/var/vcap/sys/run/nginx
PIDFILE=$RUN_DIR/nginx.pid
export BOOTSTRAP=true

case $1 in
  start)
    mkdir -p $RUN_DIR
    echo $$ > $PIDFILE
    exec /var/vcap/packages/app/bin/app \\
      --listen web-2.cf.internal:4001 \\
      --peer 10.0.0.1 \\
      --peer 10.0.0.2 \\
      --node web/2
    ;;
  stop)
    kill -9 \`cat $PIDFILE\`
    rm -f $PIDFILE
    ;;
  *)
    echo "Usage: ctl {start|stop}"
    ;;
esac
`);
    });

    it('renders a config file with if_p ... end.else', () => {
      const template = `server {
  listen <%= p("nginx.port", 80) %>;
  server_name <%= p("nginx.server_names", ["_"]).join(" ") %>;
<% if_p("nginx.ssl.cert", "nginx.ssl.key") do |cert, key| -%>
  listen 443 ssl;
  # cert <%= cert.lines.count %> lines, key <%= key.strip.size %> chars
<% end.else do -%>
  # TLS disabled
<% end -%>
<% unless p("nginx.locations", []).empty? -%>
<%   p("nginx.locations").each do |loc| -%>
  location <%= loc["path"] %> {
    proxy_pass <%= loc.fetch("upstream", "http://127.0.0.1:8080") %>;
<%     if loc["websocket"] -%>
    proxy_set_header Upgrade $http_upgrade;
<%     end -%>
  }
<%   end -%>
<% end -%>
}
`;
      const plain = render(template, { nginx: { port: 8443, server_names: ['a.example', 'b.example'] } });
      expect(plain).to.equal('server {\n  listen 8443;\n  server_name a.example b.example;\n  # TLS disabled\n}\n');
      const full = render(template, {
        nginx: {
          ssl: { cert: '-----BEGIN-----\nabc\n-----END-----\n', key: ' secret \n' },
          locations: [
            { path: '/', websocket: true },
            { path: '/api', upstream: 'http://api' },
          ],
        },
      });
      expect(full).to.equal(`server {
  listen 80;
  server_name _;
  listen 443 ssl;
  # cert 3 lines, key 6 chars
  location / {
    proxy_pass http://127.0.0.1:8080;
    proxy_set_header Upgrade $http_upgrade;
  }
  location /api {
    proxy_pass http://api;
  }
}
`);
    });

    it('renders a JSON config with to_json', () => {
      const template = `<%
  config = {
    "name" => spec.name,
    "index" => spec.index,
    "az" => spec.az,
    "bootstrap" => spec.bootstrap,
    "listen" => "#{spec.ip}:#{p('app.port')}",
    "debug" => p("app.debug", false),
    "ratio" => 1.0,
    "tags" => p("app.tags", []).map { |t| t.upcase },
  }
  if_p("app.tls.ca") do |ca|
    config["tls"] = { "ca" => ca }
  end
-%>
<%= JSON.dump(config) %>
<%= config.to_json == JSON.dump(config) %>
`;
      const out = render(template, { app: { port: 9000, tags: ['a', 'b'], tls: { ca: 'CA' } } });
      expect(out).to.equal(
        '{"name":"web","index":2,"az":"z1","bootstrap":false,"listen":"10.0.16.7:9000","debug":false,"ratio":1.0,"tags":["A","B"],"tls":{"ca":"CA"}}\ntrue\n',
      );
      expect(JSON.parse(out.split('\n')[0]).listen).to.equal('10.0.16.7:9000');
    });

    it('reports a missing property in a larger template with its line', () => {
      const template = '---\nname: <%= name %>\nport: <%= p("app.port", 80) %>\nhost: <%= p("app.host") %>\n';
      const e = renderError(template, { app: {} });
      expect(e.message).to.equal(`Error filling in template 'test.erb' (line 4: Can't find property '["app.host"]')`);
      expect(e.line).to.equal(4);
    });
  });
});
