import { expect } from 'chai';
import type { InstanceTemplates, JobTemplates } from '../../../src/families/director/templates/instance-templates';
import { TemplateError, TemplateSpec } from '../../../src/families/director/templates/render-template';
import {
  TemplateRendererPool,
  TemplateRendererSettings,
} from '../../../src/families/director/templates/template-renderer-pool';
import { describeOnBothBackends } from '../../support/harness';

const spec: TemplateSpec = {
  name: 'web',
  id: 'id-0',
  index: 0,
  deployment: 'd',
  address: '127.0.0.1',
  bootstrap: true,
};

const job = (
  name: string,
  templates: Record<string, string>,
  properties: Record<string, unknown> = {},
): JobTemplates => ({
  job: name,
  properties,
  spec: { ...spec, job: { name } },
  templates: Object.entries(templates).map(([n, source]) => ({ name: n, source })),
});

/** A short deadline and a small heap, so that the hostile renders end soon. */
const settings: TemplateRendererSettings = {
  workers: 2,
  deadlineMs: 2_000,
  resourceLimits: { maxOldGenerationSizeMb: 48, maxYoungGenerationSizeMb: 8, stackSizeMb: 4 },
};

const CATASTROPHIC_REGEX = '<%= ("a"*40+"!") =~ /(a+)+$/ %>';

async function renderError(pool: TemplateRendererPool, request: InstanceTemplates): Promise<TemplateError> {
  const outcome = await pool.render(request).then(
    (texts) => texts,
    (err: unknown) => err,
  );
  if (outcome instanceof TemplateError) return outcome;
  throw new Error(
    `expected a TemplateError, got ${outcome instanceof Error ? outcome.stack : JSON.stringify(outcome)}`,
  );
}

describe('TemplateRendererPool (job templates in worker threads)', function () {
  this.timeout(60_000);
  let pool: TemplateRendererPool;
  beforeEach(() => (pool = new TemplateRendererPool(settings)));
  afterEach(() => pool.close());

  it("renders every template of an instance's jobs in one go, in order", async () => {
    const texts = await pool.render({
      group: 'web',
      jobs: [
        job(
          'nginx',
          { 'a.erb': 'port=<%= p("port") %>', 'b.erb': '<%= spec.job.name %>/<%= spec.index %>' },
          { port: 80 },
        ),
        job('agent', { monit: 'check <%= name %>' }),
      ],
    });
    expect(texts).to.deep.equal([['port=80', 'nginx/0'], ['check agent']]);
  });

  it("lists every failed template under its job and instance group, as the Director's message does", async () => {
    const e = await renderError(pool, {
      group: 'web',
      jobs: [
        job('nginx', { 'ok.erb': 'fine', 'conf.erb': '\n<%= p("missing") %>' }),
        job('agent', { 'a.erb': '<% raise "no way" %>', 'b.erb': '<%= 1 +%>' }),
      ],
    });
    expect(e.message).to.equal(
      [
        "Unable to render jobs for instance group 'web'. Errors are:",
        "  - Unable to render templates for job 'nginx'. Errors are:",
        `    - Error filling in template 'conf.erb' (line 2: Can't find property '["missing"]')`,
        "  - Unable to render templates for job 'agent'. Errors are:",
        "    - Error filling in template 'a.erb' (line 1: no way)",
        `    - ${e.message.split('\n').at(-1)!.slice(6)}`,
      ].join('\n'),
    );
    expect(e.message.split('\n').at(-1)).to.match(/^ {4}- Error filling in template 'b.erb' \(line 1: /);
  });

  describe('hostile templates fail as template errors naming the job and the file', () => {
    const cases: Array<[string, string, RegExp]> = [
      ['a huge string', '<% s = "x" * 500000000 %>', /\(line 1: string of 500000000 characters is too large/],
      [
        'a catastrophic regular expression',
        CATASTROPHIC_REGEX,
        /\(rendering took longer than 2 s; its renderer was stopped\)$/,
      ],
      ['nested loops', '<% 1000.times { 1000.times { 1000.times { } } } %>', /\(line 1: template does too much work/],
      ['infinite recursion', '<% def f(n)\n f(n + 1)\nend\nf(0) %>', /\(line 2: stack level too deep\)$/],
      ['an endless loop', '<% while true do end %>', /\(line 1: loop ran more than 1000000 times\)$/],
      [
        'loops inside a rescue',
        '<% 1000.times { begin; 1000.times { 1000.times { } }; rescue; end } %>',
        /\(line 1: template does too much work/,
      ],
    ];
    for (const [what, source, reason] of cases) {
      it(`${what}: ${source.replace(/\n/g, ' ')}`, async () => {
        const e = await renderError(pool, {
          group: 'web',
          jobs: [job('fine', { 'fine.erb': 'ok' }), job('hostile', { 'first.erb': 'ok', 'hostile.erb': source })],
        });
        const lines = e.message.split('\n');
        expect(lines.slice(0, 2)).to.deep.equal([
          "Unable to render jobs for instance group 'web'. Errors are:",
          "  - Unable to render templates for job 'hostile'. Errors are:",
        ]);
        expect(lines).to.have.length(3);
        expect(lines[2]).to.match(/^ {4}- Error filling in template 'hostile.erb' \(/);
        expect(lines[2], lines[2]).to.match(reason);
        // The pool goes on rendering, with no more workers than it may have.
        expect(await pool.render({ group: 'web', jobs: [job('fine', { 'fine.erb': '<%= 6 * 7 %>' })] })).to.deep.equal([
          ['42'],
        ]);
        expect(pool.size).to.be.at.most(settings.workers);
      });
    }

    it('a heap-filling render: <% a = (1..900000).map { |i| [i, i.to_s] } %>', async function () {
      this.timeout(180_000);
      // A deadline far off, so that the heap ceiling (not a slow, busy machine's clock) is what stops it.
      const roomy = new TemplateRendererPool({ ...settings, deadlineMs: 150_000 });
      try {
        const e = await renderError(roomy, {
          group: 'web',
          jobs: [job('hostile', { 'hostile.erb': '<% a = (1..900000).map { |i| [i, i.to_s] } %>' })],
        });
        expect(e.message.split('\n')[2]).to.match(
          /^ {4}- Error filling in template 'hostile.erb' \(rendering needed more than 48 MB of memory; its renderer was stopped\)$/,
        );
        expect(await roomy.render({ group: 'web', jobs: [job('fine', { 'fine.erb': '<%= 6 * 7 %>' })] })).to.deep.equal(
          [['42']],
        );
      } finally {
        await roomy.close();
      }
    });
  });

  it('queues renders beyond its workers, and replaces a stopped worker for the renders waiting', async () => {
    const renders = [
      pool.render({ group: 'g', jobs: [job('slow', { 'regex.erb': CATASTROPHIC_REGEX })] }).catch((e: Error) => e),
      pool.render({ group: 'g', jobs: [job('slow', { 'regex.erb': CATASTROPHIC_REGEX })] }).catch((e: Error) => e),
      ...Array.from({ length: 6 }, (_, i) =>
        pool.render({ group: 'g', jobs: [job('quick', { 'n.erb': `<%= ${i} + 1 %>` })] }),
      ),
    ];
    const results = await Promise.all(renders);
    expect(results[0]).to.be.instanceOf(TemplateError);
    expect(results[1]).to.be.instanceOf(TemplateError);
    expect(results.slice(2)).to.deep.equal([1, 2, 3, 4, 5, 6].map((n) => [[String(n)]]));
    expect(pool.size).to.be.at.most(settings.workers);
  });

  it('refuses renders once closed', async () => {
    await pool.render({ group: 'g', jobs: [job('j', { 'a.erb': 'a' })] });
    await pool.close();
    const err = await pool.render({ group: 'g', jobs: [job('j', { 'a.erb': 'a' })] }).catch((e: Error) => e);
    expect(err).to.be.instanceOf(Error);
    expect(pool.size).to.equal(0);
  });
});

describeOnBothBackends('the daemon while a hostile template renders', (h) => {
  it('answers GET /info while a catastrophic regular expression is still rendering', async function () {
    this.timeout(60_000);
    const pool = new TemplateRendererPool({ ...settings, deadlineMs: 5_000 });
    try {
      // The worker is up before the render starts, so that the render is what keeps it busy.
      await pool.render({ group: 'g', jobs: [job('warm', { 'a.erb': 'a' })] });
      let settled = false;
      const hostile = pool
        .render({ group: 'web', jobs: [job('regex', { 'hostile.erb': CATASTROPHIC_REGEX })] })
        .finally(() => (settled = true));
      const failed = hostile.then(
        () => new Error('the hostile render succeeded'),
        (e: Error) => e,
      );
      for (let i = 0; i < 5; i++) {
        const info = await h.api.get('/info').expect(200);
        expect(info.body.name).to.equal('bosun-test');
        expect(settled, 'the hostile render ended before /info answered').to.equal(false);
      }
      const e = await failed;
      expect(e).to.be.instanceOf(TemplateError);
      expect(e.message).to.contain("Unable to render templates for job 'regex'");
      expect(e.message).to.contain("Error filling in template 'hostile.erb' (rendering took longer than 5 s");
    } finally {
      await pool.close();
    }
  });
});
