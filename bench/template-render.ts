/**
 * Row 7: what rendering off the main thread costs. One typical instance (a web job with a bpm.yml, a
 * page, a ctl script and a 60-line config built with loops and p(); an agent job with a monit file)
 * is rendered in-thread, as before, and through the renderer pool (warm workers: one message there and
 * one back), `reps` times each, alternating.
 */
import {
  InstanceTemplates,
  renderedTexts,
  renderJobTemplates,
} from '../src/families/director/templates/instance-templates';
import { TemplateRendererPool } from '../src/families/director/templates/template-renderer-pool';
import { median } from './stats';

const spec = {
  name: 'web',
  id: '5f6a0c1e-0000-4000-8000-000000000000',
  index: 0,
  deployment: 'bench',
  address: '127.0.0.1',
  ip: '127.0.0.1',
  az: 'z1',
  bootstrap: true,
};

const config = [
  '---',
  'server:',
  '  port: <%= p("port") %>',
  '  workers: <%= p("workers") %>',
  'backends:',
  '<% p("backends").each_with_index do |b, i| -%>',
  '  - name: <%= b["name"] %>',
  '    address: <%= b["host"] %>:<%= b["port"] %>',
  '    weight: <%= i + 1 %>',
  '<% end -%>',
  'tls:',
  '<% if_p("tls.cert", "tls.key") do |cert, key| -%>',
  '  cert: <%= cert.to_json %>',
  '  key: <%= key.to_json %>',
  '<% end -%>',
  'env: <%= JSON.dump(p("env")) %>',
].join('\n');

export const TYPICAL_INSTANCE: InstanceTemplates = {
  group: 'web',
  jobs: [
    {
      job: 'web',
      spec: { ...spec, job: { name: 'web' }, release: { name: 'web-release', version: '1' } },
      properties: {
        port: 8080,
        workers: 4,
        message: 'hello',
        backends: Array.from({ length: 12 }, (_, i) => ({ name: `b${i}`, host: `10.0.0.${i}`, port: 9000 + i })),
        tls: {
          cert: '-----BEGIN CERTIFICATE-----\nMIIB...\n-----END CERTIFICATE-----\n',
          key: '-----BEGIN PRIVATE KEY-----\nMIIE...\n-----END PRIVATE KEY-----\n',
        },
        env: { A: '1', B: '2', C: 'three' },
      },
      templates: [
        {
          name: 'bpm.yml.erb',
          source:
            "processes:\n- name: web\n  executable: /bin/httpd\n  args: ['-f', '-p', '127.0.0.1:<%= p(\"port\") %>']\n",
        },
        { name: 'index.html.erb', source: '<%= p("message") %> from <%= spec.name %>/<%= spec.index %>\n' },
        { name: 'ctl.erb', source: '#!/bin/sh\necho "ctl for <%= spec.deployment %>"\n' },
        { name: 'config.yml.erb', source: config },
      ],
    },
    {
      job: 'agent',
      spec: { ...spec, job: { name: 'agent' }, release: { name: 'web-release', version: '1' } },
      properties: { interval: 5 },
      templates: [
        {
          name: 'monit',
          source:
            'check process agent\n  with pidfile /var/vcap/sys/run/agent/agent.pid\n  start program "/var/vcap/jobs/agent/bin/ctl start <%= p("interval") %>"\n',
        },
      ],
    },
  ],
};

export async function templateRenderOverhead(reps: number): Promise<{ inThread: number; pool: number }> {
  const pool = new TemplateRendererPool({
    workers: 2,
    deadlineMs: 10_000,
    resourceLimits: { maxOldGenerationSizeMb: 128, maxYoungGenerationSizeMb: 16, stackSizeMb: 4 },
  });
  const inThread: number[] = [];
  const pooled: number[] = [];
  try {
    for (let i = 0; i < 20; i++) {
      renderedTexts(TYPICAL_INSTANCE, renderJobTemplates(TYPICAL_INSTANCE.jobs));
      await pool.render(TYPICAL_INSTANCE);
    }
    for (let i = 0; i < reps; i++) {
      let t = process.hrtime.bigint();
      renderedTexts(TYPICAL_INSTANCE, renderJobTemplates(TYPICAL_INSTANCE.jobs));
      inThread.push(Number(process.hrtime.bigint() - t) / 1e6);
      t = process.hrtime.bigint();
      await pool.render(TYPICAL_INSTANCE);
      pooled.push(Number(process.hrtime.bigint() - t) / 1e6);
    }
  } finally {
    await pool.close();
  }
  return { inThread: median(inThread), pool: median(pooled) };
}
