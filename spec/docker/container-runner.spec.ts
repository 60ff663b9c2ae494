import { expect } from 'chai';
import { runContainer } from '../../src/docker/container-runner';
import { LABELS } from '../../src/docker/labels';
import { docker } from '../support/docker';
import { TEST_IMAGE } from '../support/test-env';

/** Open connections to the Docker engine that carry a container's attach stream. */
function attachConnections(): number {
  const handles = (process as unknown as { _getActiveHandles(): Array<{ _httpMessage?: { path?: string } }> })._getActiveHandles();
  return handles.filter((h) => String(h?._httpMessage?.path ?? '').includes('/attach?')).length;
}

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
        { image: TEST_IMAGE, cmd: ['true'], tty: false, taskId: 1, nodeId, networkMode: 'none', overlays: [] },
        { created: async () => controller.abort(new Error('cancelled now')), output: async () => undefined, ended: async () => undefined },
        controller.signal,
        1,
      );
    } catch (err) {
      error = err as Error;
    }
    expect(error?.message).to.equal('cancelled now');
    for (let i = 0; i < 50 && attachConnections() > before; i++) await new Promise((r) => setTimeout(r, 20));
    expect(attachConnections()).to.equal(before);
    expect(await docker.listContainers({ all: true, filters: { label: [`${LABELS.nodeId}=${nodeId}`] } })).to.have.length(0);
  });
});
