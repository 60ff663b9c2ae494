import { connectDockerEngine } from '../../src/docker/docker-engine';
import { LABELS } from '../../src/docker/labels';
import { closeTestDatabases } from './databases';
import { spawnedDaemons } from './daemon-process';
import { running } from './runners';

/** Containers are checked from the run's start (in seconds, as the engine's `Created`), so others' are not counted. */
const runStarted = Math.floor(Date.now() / 1000) - 1;

/** What the specs left behind: runners still running, daemon processes alive, containers bosun created during the run. */
async function leftBehind(): Promise<string[]> {
  const left: string[] = [];
  for (const r of running) {
    left.push('a task runner still running');
    await r.stop(5_000).catch(() => undefined);
  }
  running.clear();
  for (const child of spawnedDaemons) {
    if (child.exitCode !== null || child.signalCode !== null) continue;
    left.push(`a daemon process (pid ${child.pid}) still alive`);
    child.kill('SIGKILL');
  }
  const docker = connectDockerEngine();
  const containers = await docker
    .listContainers({ all: true, filters: { label: [`${LABELS.managed}=true`] } })
    .catch(() => []);
  for (const c of containers.filter((c) => c.Created >= runStarted)) {
    left.push(
      `container ${c.Names[0] ?? c.Id} (${Object.entries(c.Labels)
        .filter(([k]) => k.startsWith('bosun.'))
        .map(([k, v]) => `${k}=${v}`)
        .join(' ')})`,
    );
    await docker
      .getContainer(c.Id)
      .remove({ force: true, v: true })
      .catch(() => undefined);
  }
  return left;
}

/**
 * Root hooks: once every test has run, the run fails if a spec left a runner, a daemon or a container
 * behind (each is stopped or removed all the same); then the shared databases are closed.
 */
export const mochaHooks = {
  async afterAll(this: Mocha.Context) {
    this.timeout(60_000);
    const left = await leftBehind();
    await closeTestDatabases();
    if (left.length) throw new Error(`specs left behind: ${left.join('; ')}`);
  },
};
