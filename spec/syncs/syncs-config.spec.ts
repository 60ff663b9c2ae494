import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { expect } from 'chai';
import { ConfigError, loadConfig } from '../../src/config/load-config';

/** The problems loadConfig lists for an environment, or [] when it loads. */
function problems(env: Record<string, string>, yaml?: string): string[] {
  let file: string | undefined;
  if (yaml) {
    file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'bosun-syncs-config-')), 'bosun.yml');
    fs.writeFileSync(file, yaml);
  }
  try {
    loadConfig({ env, file });
    return [];
  } catch (err) {
    if (err instanceof ConfigError) return err.problems;
    throw err;
  }
}

describe('the syncs section of the configuration', () => {
  it('has CTS-like defaults: terraform from PATH, no local modules, 5 events, a 5 s / 20 s buffer', () => {
    const c = loadConfig({ env: {} });
    expect(c.syncs).to.deep.equal({
      terraform: null,
      modules_root: null,
      events_per_task: 5,
      watch_interval_ms: 500,
      buffer_period: { enabled: true, min: '5s', max: '20s' },
      max_variables_bytes: 262144,
      max_module_bytes: 10485760,
    });
  });

  it('takes BOSUN_TERRAFORM and BOSUN_SYNC_MODULES_ROOT', () => {
    const root = fs.mkdtempSync(path.join(os.tmpdir(), 'bosun-modules-'));
    const c = loadConfig({ env: { BOSUN_TERRAFORM: '/opt/terraform', BOSUN_SYNC_MODULES_ROOT: root } });
    expect(c.syncs).to.include({ terraform: '/opt/terraform', modules_root: root });
  });

  it('refuses at boot a modules root that is relative or no directory, and bad durations, listing every problem', () => {
    expect(problems({ BOSUN_SYNC_MODULES_ROOT: '/nonexistent/modules' })).to.deep.equal([
      'syncs.modules_root: /nonexistent/modules is not a directory',
    ]);
    expect(problems({ BOSUN_SYNC_MODULES_ROOT: 'modules' })).to.deep.equal([
      'syncs.modules_root: must be an absolute path',
    ]);
    const listed = problems({}, 'syncs:\n  events_per_task: 0\n  buffer_period:\n    min: soon\n  colour: red\n');
    expect(listed.join('\n'))
      .to.include('syncs.events_per_task')
      .and.include('syncs.buffer_period.min')
      .and.include('colour');
    expect(problems({}, 'syncs:\n  buffer_period:\n    min: 30s\n    max: 10s\n')).to.deep.equal([
      'syncs.buffer_period.max: must not be shorter than buffer_period.min',
    ]);
  });
});
