import type { DockerEngine, EngineContainer } from './docker-engine';
import { containerLabels } from './labels';
import { demuxFrames, rawFrames, StreamPiece } from './demux-frames';
import { isMissingImage } from './images';
import { ContainerPolicy, hostConfigOf } from './container-limits';
import { Overlay, putOverlay } from './overlay';

export interface ContainerSpec {
  image: string;
  entrypoint?: string[];
  cmd?: string[];
  workingDir?: string;
  env?: string[];
  tty: boolean;
  taskId: number;
  nodeId: string;
  /** Docker network mode; `none` unless the operator configured one. */
  networkMode: string;
  /** Memory, pids and CPU limits, and the security options. */
  policy: ContainerPolicy;
  /** Tar archives (gzip or plain) extracted at `/` before the container starts. */
  overlays: Overlay[];
  /**
   * Called when the engine lacks the image, before creating the container again (a pull); without it, a
   * missing image fails the run. The image is not looked up first: that costs every run an engine call.
   */
  pullIfMissing?: () => Promise<void>;
}

export interface ContainerHooks {
  /** Called with the container id as soon as it exists. */
  created(containerId: string): Promise<void>;
  /** Receives the output as the container writes it; awaited for backpressure. */
  output(piece: StreamPiece): Promise<void>;
  /** Called when the output has ended; resolves once it is all stored. */
  ended(): Promise<void>;
  /** Called after the container exited, before it is removed (to copy files out of it). */
  exited?(container: EngineContainer, exitCode: number): Promise<void>;
}

export interface ContainerOutcome {
  containerId: string;
  exitCode: number;
  /** True when `signal` stopped it. */
  stopped: boolean;
}

/**
 * Runs one container to its end: create (labelled, limited, no network unless configured), overlay files,
 * attach, start, stream its output to `hooks.output`, wait. When `signal` aborts, the container is
 * stopped (SIGTERM, then SIGKILL after `stopGraceSeconds`). The container is always removed before
 * this returns, after its output has been handed over.
 */
export async function runContainer(
  docker: DockerEngine,
  spec: ContainerSpec,
  hooks: ContainerHooks,
  signal: AbortSignal,
  stopGraceSeconds: number,
): Promise<ContainerOutcome> {
  const create = () =>
    docker.createContainer({
      name: `bosun-task-${spec.taskId}-${Date.now().toString(36)}`,
      Image: spec.image,
      Entrypoint: spec.entrypoint,
      Cmd: spec.cmd,
      WorkingDir: spec.workingDir,
      Env: spec.env,
      Tty: spec.tty,
      AttachStdout: true,
      AttachStderr: true,
      OpenStdin: false,
      Labels: containerLabels(spec.taskId, spec.nodeId),
      HostConfig: { NetworkMode: spec.networkMode, AutoRemove: false, ...hostConfigOf(spec.policy) },
    });
  let container: EngineContainer;
  try {
    container = await create();
  } catch (err) {
    if (!spec.pullIfMissing || !isMissingImage(err)) throw err;
    await spec.pullIfMissing();
    container = await create();
  }
  let stopped = false;
  const stop = () => {
    stopped = true;
    container.stop({ t: stopGraceSeconds }).catch(() => undefined);
  };
  let stream: NodeJS.ReadableStream | null = null;
  try {
    // Recorded while the engine sets the container up; stored before any output is handed over.
    const recorded = hooks.created(container.id);
    recorded.catch(() => undefined);
    for (const overlay of spec.overlays) await putOverlay(container, overlay);
    stream = await container.attach({ stream: true, stdout: true, stderr: true });
    await recorded;
    if (signal.aborted) throw signal.reason;
    signal.addEventListener('abort', stop, { once: true });
    await container.start();
    const frames = spec.tty ? rawFrames(stream as AsyncIterable<Buffer>) : demuxFrames(stream as AsyncIterable<Buffer>);
    for await (const piece of frames) await hooks.output(piece);
    await hooks.ended();
    // Asked once the output has ended: the container has stopped or is stopping. (A `next-exit` wait sent
    // before the start can reach the engine after a quick container has exited, and then never returns.)
    const { StatusCode } = (await container.wait({ condition: 'not-running' })) as { StatusCode: number };
    if (hooks.exited) await hooks.exited(container, StatusCode);
    return { containerId: container.id, exitCode: StatusCode, stopped };
  } finally {
    signal.removeEventListener('abort', stop);
    // Docker keeps the attach connection of a container removed before it started open for good.
    (stream as { destroy?: () => void } | null)?.destroy?.();
    await container.remove({ force: true, v: true }).catch(() => undefined);
  }
}
