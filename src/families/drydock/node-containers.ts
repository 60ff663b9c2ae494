import type { DockerEngine, EngineContainerInfo, EngineContainerInspect } from '../../docker/docker-engine';
import { ContainerPolicy, hostConfigOf } from '../../docker/container-limits';
import { demuxFrames } from '../../docker/demux-frames';
import { execInContainer, ExecOutcome } from '../../docker/exec-in-container';
import { containerLabels, LABELS } from '../../docker/labels';
import { tarFiles, TarFile } from '../../docker/tar-files';

export const NODE_LABELS = {
  node: 'bosun.drydock.node',
  design: 'bosun.drydock.design',
  nodeId: LABELS.nodeId,
  /** The boundary the node's PID 1 prints after each build-data command's output (see bootScript). */
  buildData: 'bosun.drydock.build-data',
} as const;

/** The `bosun.kept-by` value of node containers: they outlive their tasks, and this family reaps them. */
export const NODE_KEEPER = 'drydock';

/** PID 1 of a node: it idles until stopped (a stop is a TERM, answered at once). */
const NODE_AGENT = "trap 'exit 0' TERM INT; while :; do sleep 3600 & wait $!; done";

/**
 * Commands run one after the other by one shell, each followed by a line with `boundary` and its exit
 * code, so that each command's output and status can be told apart (splitBoundedOutput).
 */
export function boundedScript(commands: string[], boundary: string): string {
  return commands.map((cmd) => `${cmd}; printf '\\n${boundary} %d\\n' $?`).join('; ');
}

/**
 * The outputs of boundedScript's commands, in order, as far as their boundary lines go (a command whose
 * line is missing, as when the shell failed, is not in the answer).
 */
export function splitBoundedOutput(
  commands: string[],
  boundary: string,
  stdout: string,
): Array<{ command: string; exitCode: number; stdout: string }> {
  const found: Array<{ command: string; exitCode: number; stdout: string }> = [];
  const line = new RegExp(`\\n${boundary} (\\d+)\\n`);
  let rest = stdout;
  for (const command of commands) {
    const m = line.exec(rest);
    if (!m) break;
    found.push({ command, exitCode: Number(m[1]), stdout: rest.slice(0, m.index) });
    rest = rest.slice(m.index + m[0].length);
  }
  return found;
}

export interface NodeContainerSpec {
  hostname: string;
  image: string;
  designId: string;
  /** The Director task creating it (bosun's `bosun.task-id` label). */
  taskId: number;
  /**
   * Commands PID 1 runs at each start before it idles, their outputs delimited by `boundary` (kept in
   * the `bosun.drydock.build-data` label): a start's build data comes with the start, with no exec.
   */
  atStart?: { commands: string[]; boundary: string };
}

export const containerName = (hostname: string) => `bosun-drydock-${hostname}`;

const statusOf = (err: unknown) => (err as { statusCode?: number }).statusCode;

/**
 * A Drydock node on Docker: one container of its host profile's image, named after the node and
 * labelled with it, with no network (by default), under bosun's limits and security defaults.
 */
export class NodeContainers {
  constructor(
    readonly docker: DockerEngine,
    private readonly opts: { networkMode: string; policy: ContainerPolicy; nodeId: string; stopGraceSeconds: number },
  ) {}

  async inspect(hostname: string): Promise<EngineContainerInspect | null> {
    try {
      return await this.docker.getContainer(containerName(hostname)).inspect();
    } catch (err) {
      if (statusOf(err) === 404) return null;
      throw err;
    }
  }

  async imagePresent(image: string): Promise<boolean> {
    try {
      await this.docker.getImage(image).inspect();
      return true;
    } catch (err) {
      if (statusOf(err) === 404) return false;
      throw err;
    }
  }

  /** Creates the node's container, stopped. */
  async create(spec: NodeContainerSpec): Promise<EngineContainerInspect> {
    const container = await this.docker.createContainer({
      name: containerName(spec.hostname),
      Image: spec.image,
      Hostname: spec.hostname.slice(0, 63),
      Cmd: [
        '/bin/sh',
        '-c',
        spec.atStart ? `${boundedScript(spec.atStart.commands, spec.atStart.boundary)}; ${NODE_AGENT}` : NODE_AGENT,
      ],
      // bosun's own labels (managed, task, node id) and the family keeping it, so clean-ups recognise it.
      Labels: {
        ...containerLabels(spec.taskId, this.opts.nodeId),
        [LABELS.keptBy]: NODE_KEEPER,
        [NODE_LABELS.node]: spec.hostname,
        [NODE_LABELS.design]: spec.designId,
        ...(spec.atStart ? { [NODE_LABELS.buildData]: spec.atStart.boundary } : {}),
      },
      HostConfig: {
        NetworkMode: this.opts.networkMode,
        RestartPolicy: { Name: 'no' },
        ...hostConfigOf(this.opts.policy),
      },
    });
    return container.inspect();
  }

  async start(hostname: string): Promise<void> {
    try {
      await this.docker.getContainer(containerName(hostname)).start();
    } catch (err) {
      if (statusOf(err) !== 304) throw err;
    }
  }

  /**
   * Starts a stopped node and reads what its PID 1 prints on stdout until `lines` lines containing
   * `boundary` have come (attached before the start, so only this start's output), the output ends, or
   * `timeoutMs` pass. Answers the stdout read; the node is left running.
   */
  async startReading(hostname: string, boundary: string, lines: number, timeoutMs: number): Promise<string> {
    const container = this.docker.getContainer(containerName(hostname));
    const stream = (await container.attach({
      stream: true,
      stdout: true,
      stderr: false,
    })) as unknown as NodeJS.ReadableStream & {
      destroy(): void;
    };
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      stream.destroy();
    }, timeoutMs);
    let stdout = '';
    try {
      await container.start();
      for await (const piece of demuxFrames(stream as AsyncIterable<Buffer>)) {
        if (piece.stream !== 'stdout') continue;
        stdout += piece.data.toString('utf8');
        if (stdout.split(boundary).length - 1 >= lines) break;
      }
    } catch (err) {
      // The timeout's cut ends the reading with what came; anything else (a failed start) is the caller's.
      if (!timedOut) throw err;
    } finally {
      clearTimeout(timer);
      // Docker keeps an attach connection open until it is closed.
      stream.destroy();
    }
    return stdout;
  }

  async stop(hostname: string): Promise<void> {
    try {
      await this.docker.getContainer(containerName(hostname)).stop({ t: this.opts.stopGraceSeconds });
    } catch (err) {
      if (statusOf(err) !== 304 && statusOf(err) !== 404) throw err;
    }
  }

  /** Removes the node's container; false when there was none. */
  async remove(hostname: string): Promise<boolean> {
    try {
      await this.docker.getContainer(containerName(hostname)).remove({ force: true, v: true });
      return true;
    } catch (err) {
      if (statusOf(err) === 404) return false;
      throw err;
    }
  }

  exec(hostname: string, cmd: string[]): Promise<ExecOutcome> {
    return execInContainer(this.docker.getContainer(containerName(hostname)), cmd);
  }

  /** Writes files (with their modes) into the node, creating their directories. */
  async putFiles(hostname: string, files: TarFile[]): Promise<void> {
    if (!files.length) return;
    await this.docker
      .getContainer(containerName(hostname))
      .putArchive(await tarFiles(files.map((f) => ({ ...f, name: f.name.replace(/^\/+/, '') }))), { path: '/' });
  }

  /** The node containers this bosun node created. */
  async listOwn(): Promise<EngineContainerInfo[]> {
    return this.docker.listContainers({
      all: true,
      filters: {
        label: [`${LABELS.managed}=true`, `${LABELS.nodeId}=${this.opts.nodeId}`, `${LABELS.keptBy}=${NODE_KEEPER}`],
      },
    });
  }

  async removeById(id: string): Promise<void> {
    await this.docker
      .getContainer(id)
      .remove({ force: true, v: true })
      .catch((err) => {
        if (statusOf(err) !== 404) throw err;
      });
  }

  /** Every node container on the engine, by hostname. */
  async list(): Promise<Map<string, EngineContainerInfo>> {
    const list = await this.docker.listContainers({ all: true, filters: { label: [NODE_LABELS.node] } });
    return new Map(list.map((c) => [c.Labels[NODE_LABELS.node], c]));
  }
}
