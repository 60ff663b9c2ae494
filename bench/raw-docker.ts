import Docker from 'dockerode';

export const BENCH_LABEL = 'bosun.bench-run';

/**
 * One container run straight through dockerode, doing what bosun's container runner does: create
 * (labelled, no network), attach, start, read the output to its end, wait, remove. Returns ms.
 */
export async function runRawContainer(docker: Docker, image: string, cmd: string[], runId: string): Promise<number> {
  const t0 = performance.now();
  const container = await docker.createContainer({
    Image: image,
    Cmd: cmd,
    AttachStdout: true,
    AttachStderr: true,
    Labels: { [BENCH_LABEL]: runId },
    HostConfig: { NetworkMode: 'none', AutoRemove: false },
  });
  try {
    const stream = (await container.attach({ stream: true, stdout: true, stderr: true })) as NodeJS.ReadableStream;
    await container.start();
    for await (const _ of stream as AsyncIterable<Buffer>) void _;
    await container.wait({ condition: 'not-running' });
  } finally {
    await container.remove({ force: true, v: true });
  }
  return performance.now() - t0;
}

/** Removes the containers this bench run left (none, unless it failed midway). */
export async function removeBenchContainers(docker: Docker, runId: string): Promise<void> {
  for (const c of await docker.listContainers({ all: true, filters: { label: [`${BENCH_LABEL}=${runId}`] } })) {
    await docker
      .getContainer(c.Id)
      .remove({ force: true })
      .catch(() => undefined);
  }
}
