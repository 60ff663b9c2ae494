import { expect } from 'chai';
import type Docker from 'dockerode';
import { limitsFor, parseMemory } from '../../src/docker/container-limits';
import { pullImage, PullRefusedError } from '../../src/docker/images';
import { RegistryAllowList, registryOf } from '../../src/docker/registry-allow-list';

describe('the registry allow-list', () => {
  it('reads the registry of a reference as the engine does: Docker Hub for short names', () => {
    expect(registryOf('busybox')).to.equal('docker.io');
    expect(registryOf('busybox:1.36')).to.equal('docker.io');
    expect(registryOf('library/busybox:latest')).to.equal('docker.io');
    expect(registryOf('bosun-test/busybox:latest')).to.equal('docker.io');
    expect(registryOf('index.docker.io/library/busybox')).to.equal('docker.io');
    expect(registryOf('registry.example.com/team/x:1')).to.equal('registry.example.com');
    expect(registryOf('Registry.Example.com:5000/x')).to.equal('registry.example.com:5000');
    expect(registryOf('localhost/x')).to.equal('localhost');
    expect(registryOf('myhost:5000/x')).to.equal('myhost:5000');
  });

  it('allows only the listed registries, none when empty', () => {
    const none = new RegistryAllowList([]);
    expect(none.allows('busybox')).to.equal(false);
    expect(none.refusal('busybox')).to.match(
      /registry docker\.io is not allowed \(docker\.allowed_registries is empty/,
    );
    const some = new RegistryAllowList(['Docker.io', 'registry.example.com:5000']);
    expect(some.allows('busybox:latest')).to.equal(true);
    expect(some.allows('registry.example.com:5000/x')).to.equal(true);
    expect(some.allows('registry.example.com/x')).to.equal(false);
    expect(some.allows('127.0.0.1:25555/x')).to.equal(false);
  });

  it('refuses a pull before the engine is asked, and asks it for an allowed registry', async () => {
    const asked: string[] = [];
    const engine = {
      pull: (image: string) => {
        asked.push(image);
        return Promise.reject(new Error('engine says no'));
      },
    } as unknown as Docker;
    const signal = new AbortController().signal;
    const refused = await pullImage(
      engine,
      '127.0.0.1:25555/bosun:1',
      signal,
      new RegistryAllowList(['docker.io']),
    ).catch((e) => e);
    expect(refused).to.be.instanceOf(PullRefusedError);
    expect(refused.message).to.equal(
      'Image 127.0.0.1:25555/bosun:1 cannot be pulled: registry 127.0.0.1:25555 is not allowed (docker.allowed_registries: docker.io)',
    );
    expect(asked).to.deep.equal([]);
    const failed = await pullImage(engine, 'busybox:1', signal, new RegistryAllowList(['docker.io'])).catch((e) => e);
    expect(failed.message).to.equal('Pulling image busybox:1 failed: engine says no');
    expect(asked).to.deep.equal(['busybox:1']);
  });
});

describe('container limits', () => {
  const defaults = { memoryBytes: 1024 ** 3, pids: 1024, cpus: 1 };
  const maxima = { memoryBytes: 4 * 1024 ** 3, pids: 4096, cpus: 2 };

  it('reads Docker memory notation', () => {
    expect(parseMemory('512m')).to.equal(512 * 1024 ** 2);
    expect(parseMemory('1g')).to.equal(1024 ** 3);
    expect(parseMemory('1.5G')).to.equal(1.5 * 1024 ** 3);
    expect(parseMemory('64mb')).to.equal(64 * 1024 ** 2);
    expect(parseMemory(1048576)).to.equal(1048576);
    for (const bad of ['', 'lots', '-1g', '1t', '0', 0, 1.5]) expect(parseMemory(bad), String(bad)).to.equal(null);
  });

  it('gives a job the defaults with its overrides, and names every override above a maximum', () => {
    expect(limitsFor(defaults, maxima, undefined)).to.deep.equal({ limits: defaults });
    expect(limitsFor(defaults, maxima, { pids: 50 })).to.deep.equal({ limits: { ...defaults, pids: 50 } });
    expect(limitsFor(defaults, maxima, { memory: 4 * 1024 ** 3, cpus: 2 })).to.deep.equal({
      limits: { memoryBytes: 4 * 1024 ** 3, pids: 1024, cpus: 2 },
    });
    const over = limitsFor(defaults, maxima, { memory: 5 * 1024 ** 3, pids: 5000, cpus: 2.5 });
    expect(over).to.have.property('problems').with.length(3);
  });
});
