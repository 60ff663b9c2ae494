import { expect } from 'chai';
import { runContainer } from '../../src/docker/container-runner';
import type { ContainerPolicy } from '../../src/docker/container-limits';
import { LABELS } from '../../src/docker/labels';
import { docker } from '../support/docker';
import { TEST_IMAGE } from '../support/test-env';

/** Open connections to the Docker engine that carry a container's attach stream. */
function attachConnections(): number {
  const handles = (
    process as unknown as { _getActiveHandles(): Array<{ _httpMessage?: { path?: string } }> }
  )._getActiveHandles();
  return handles.filter((h) => String(h?._httpMessage?.path ?? '').includes('/attach?')).length;
}

const policy: ContainerPolicy = {
  limits: { memoryBytes: 64 * 1024 ** 2, pids: 64, cpus: 0.5 },
  security: { noNewPrivileges: true, capDrop: ['NET_RAW'] },
};

describe('running a container', function () {
  this.timeout(30_000);

  it('cancelled between attaching and starting: removes the container and closes its attach connection', async () => {
    const nodeId = `spec-runner-${process.pid}`;
    const before = attachConnections();
    const controller = new AbortController();
    let error: Error | null = null;
    try {
      await runContainer(
        docker,
        { image: TEST_IMAGE, cmd: ['true'], tty: false, taskId: 1, nodeId, networkMode: 'none', policy, overlays: [] },
        {
          created: () => Promise.resolve(controller.abort(new Error('cancelled now'))),
          output: () => Promise.resolve(),
          ended: () => Promise.resolve(),
        },
        controller.signal,
        1,
      );
    } catch (err) {
      error = err as Error;
    }
    expect(error?.message).to.equal('cancelled now');
    for (let i = 0; i < 50 && attachConnections() > before; i++) await new Promise((r) => setTimeout(r, 20));
    expect(attachConnections()).to.equal(before);
    expect(
      await docker.listContainers({ all: true, filters: { label: [`${LABELS.nodeId}=${nodeId}`] } }),
    ).to.have.length(0);
  });

  it('returns the exit code of containers that exit at once, many at a time (the wait is asked after the output ends)', async function () {
    this.timeout(120_000);
    const nodeId = `spec-runner-quick-${process.pid}`;
    const hooks = { created: () => Promise.resolve(), output: () => Promise.resolve(), ended: () => Promise.resolve() };
    const codes: number[] = [];
    const queue = Array.from({ length: 32 }, (_, i) => i);
    await Promise.all(
      Array.from({ length: 8 }, async () => {
        for (let i = queue.shift(); i !== undefined; i = queue.shift()) {
          const cmd = i % 2 ? ['true'] : ['sh', '-c', `exit ${i % 7}`];
          const outcome = await runContainer(
            docker,
            { image: TEST_IMAGE, cmd, tty: false, taskId: i, nodeId, networkMode: 'none', policy, overlays: [] },
            hooks,
            new AbortController().signal,
            1,
          );
          codes[i] = outcome.exitCode;
        }
      }),
    );
    expect(codes).to.deep.equal(Array.from({ length: 32 }, (_, i) => (i % 2 ? 0 : i % 7)));
    expect(
      await docker.listContainers({ all: true, filters: { label: [`${LABELS.nodeId}=${nodeId}`] } }),
    ).to.have.length(0);
  });

  it('creates the container with its memory, pids and CPU limits, no-new-privileges and the capabilities dropped', async () => {
    const nodeId = `spec-runner-limits-${process.pid}`;
    let hostConfig: Record<string, unknown> | null = null;
    const outcome = await runContainer(
      docker,
      { image: TEST_IMAGE, cmd: ['true'], tty: false, taskId: 1, nodeId, networkMode: 'none', policy, overlays: [] },
      {
        created: async (id) => {
          hostConfig = (await docker.getContainer(id).inspect()).HostConfig as unknown as Record<string, unknown>;
        },
        output: () => Promise.resolve(),
        ended: () => Promise.resolve(),
      },
      new AbortController().signal,
      1,
    );
    expect(outcome.exitCode).to.equal(0);
    expect(hostConfig).to.deep.include({
      Memory: 64 * 1024 ** 2,
      MemorySwap: 64 * 1024 ** 2,
      PidsLimit: 64,
      NanoCpus: 500_000_000,
      SecurityOpt: ['no-new-privileges'],
      CapDrop: ['NET_RAW'],
    });
  });
});
