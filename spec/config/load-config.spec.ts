import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { expect } from 'chai';
import { ConfigError, loadConfig } from '../../src/config/load-config';

describe('loadConfig', () => {
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'bosun-config-'));
  const file = (name: string, text: string) => {
    const p = path.join(tmp, name);
    fs.writeFileSync(p, text);
    return p;
  };

  it('gives the documented defaults with an empty environment', () => {
    const c = loadConfig({ env: {} });
    expect(c).to.include({ bind: '127.0.0.1', port: 25555, workers: 4, admin_password: null, name: 'bosun' });
    expect(c.database.url).to.equal(null);
    expect(c.data_dir).to.equal(path.resolve('./data'));
    expect(c.node_id).to.equal(os.hostname());
    expect(c.tasks.timeout_seconds).to.be.below(180);
  });

  it('applies a YAML file, then the BOSUN_* environment over it', () => {
    const f = file(
      'a.yml',
      'port: 8443\nworkers: 2\ntasks:\n  retention_per_type: 10\nusers:\n  - {name: ro, password: p, scopes: [bosh.read]}\n',
    );
    const c = loadConfig({
      file: f,
      env: {
        BOSUN_PORT: '9443',
        BOSUN_BIND: '0.0.0.0',
        BOSUN_DATA_DIR: '/var/lib/bosun',
        BOSUN_DATABASE_URL: 'postgres://u@db:5432/bosun',
        BOSUN_TLS_CERT: '/c.pem',
        BOSUN_TLS_KEY: '/k.pem',
        BOSUN_ADMIN_PASSWORD: 's3cret',
        BOSUN_WORKERS: '16',
        BOSUN_NODE_ID: 'node-7',
      },
    });
    expect(c).to.include({
      port: 9443,
      bind: '0.0.0.0',
      data_dir: '/var/lib/bosun',
      workers: 16,
      node_id: 'node-7',
      admin_password: 's3cret',
    });
    expect(c.database.url).to.equal('postgres://u@db:5432/bosun');
    expect(c.tls).to.deep.equal({ cert: '/c.pem', key: '/k.pem' });
    expect(c.tasks.retention_per_type).to.equal(10);
    expect(c.users[0]).to.deep.include({ name: 'ro', scopes: ['bosh.read'] });
  });

  it('reads the file named by BOSUN_CONFIG', () => {
    const f = file('b.yml', 'name: from-env-file\n');
    expect(loadConfig({ env: { BOSUN_CONFIG: f } }).name).to.equal('from-env-file');
  });

  it('refuses invalid configuration, listing every problem at once', () => {
    const f = file(
      'bad.yml',
      'port: 70000\nworkers: 0\nsurprise: 1\ntls: {cert: /c.pem}\nusers:\n  - {name: x, password: p, scopes: [root]}\n  - {name: y}\n',
    );
    let err: ConfigError | null = null;
    try {
      loadConfig({ file: f, env: { BOSUN_DATABASE_URL: 'mysql://x', BOSUN_PORT: 'eighty' } });
    } catch (e) {
      err = e as ConfigError;
    }
    expect(err).to.be.instanceOf(ConfigError);
    const text = err!.problems.join('\n');
    expect(text).to.contain('BOSUN_PORT: expected a whole number');
    expect(text).to.contain('database.url: must be a postgres:// URL');
    expect(text).to.match(/workers/);
    expect(text).to.match(/surprise/);
    expect(text).to.match(/tls: cert and key must be given together/);
    expect(text).to.match(/users\.0\.scopes\.0/);
    expect(text).to.match(/users\.1: a user needs exactly one of password and password_hash/);
    expect(err!.problems.length).to.be.at.least(6);
    expect(err!.message).to.match(/^Invalid configuration:\n {2}- /);
  });

  it('sizes the template renderers from the file, and refuses impossible ones with every problem listed', () => {
    expect(loadConfig({ env: {} }).templates).to.deep.equal({
      workers: 2,
      deadline_seconds: 10,
      max_old_generation_mb: 128,
      max_young_generation_mb: 16,
      stack_size_mb: 4,
    });
    expect(
      loadConfig({ file: file('t.yml', 'templates:\n  workers: 4\n  deadline_seconds: 2.5\n'), env: {} }).templates,
    ).to.include({ workers: 4, deadline_seconds: 2.5 });
    const bad = file(
      'tbad.yml',
      'templates:\n  workers: 0\n  deadline_seconds: -1\n  max_old_generation_mb: 1\n  threads: 3\n',
    );
    let err: ConfigError | null = null;
    try {
      loadConfig({ file: bad, env: {} });
    } catch (e) {
      err = e as ConfigError;
    }
    expect(err).to.be.instanceOf(ConfigError);
    const text = err!.problems.join('\n');
    for (const key of [
      'templates.workers',
      'templates.deadline_seconds',
      'templates.max_old_generation_mb',
      'templates: Unrecognized key',
    ])
      expect(text).to.contain(key);
  });

  it('refuses a file that is missing or not YAML', () => {
    expect(() => loadConfig({ file: path.join(tmp, 'nope.yml'), env: {} })).to.throw(
      ConfigError,
      /cannot be read \(ENOENT\)/,
    );
    const f = file('broken.yml', 'port: [1, 2\n');
    expect(() => loadConfig({ file: f, env: {} })).to.throw(ConfigError, /invalid YAML/);
  });
});
