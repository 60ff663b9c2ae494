import type { ContainerLimits } from '../../../docker/container-limits';
import type { Overlay } from '../../../docker/overlay';
import { tarFiles } from '../../../docker/tar-files';
import type { Stemcell } from '../stemcells/stemcells-repo';
import type { InstanceContainers, ProcessState } from './instance-containers';
import type { Instance, InstancesRepo } from './instances-repo';
import type { RenderedInstance } from './render-instance';
import { asError } from '../../../errors/as-error';

export interface UpdaterSettings {
  nodeId: string;
  networkMode: string;
}

export const instanceLabel = (i: Pick<Instance, 'group' | 'id' | 'index'>) => `${i.group}/${i.id} (${i.index})`;

/** Waits `ms`, or rejects as soon as `signal` aborts; leaves no listener behind either way. */
const sleep = (ms: number, signal: AbortSignal) =>
  new Promise<void>((resolve, reject) => {
    if (signal.aborted) return reject(asError(signal.reason));
    const onAbort = () => {
      clearTimeout(t);
      reject(asError(signal.reason));
    };
    const t = setTimeout(() => {
      signal.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal.addEventListener('abort', onAbort, { once: true });
  });

/** Puts an instance's desired state into Docker: a (new) container with its packages and jobs, started and watched. */
export class InstanceUpdater {
  constructor(
    private readonly containers: InstanceContainers,
    private readonly instances: InstancesRepo,
    private readonly settings: UpdaterSettings,
  ) {}

  /** Replaces the instance's container with one holding `rendered` and `packages`; the old one is removed. */
  async replaceContainer(
    deployment: string,
    inst: Instance,
    rendered: RenderedInstance,
    packages: Overlay[],
    stemcell: Stemcell,
    limits: Partial<ContainerLimits> = {},
  ): Promise<void> {
    const container = await this.containers.create({
      deployment,
      group: inst.group,
      index: inst.index,
      instanceId: inst.id,
      image: stemcell.cid,
      nodeId: this.settings.nodeId,
      networkMode: this.settings.networkMode,
      overlays: [...packages, await tarFiles(rendered.files)],
      limits,
    });
    const old = inst.containerId;
    await this.instances.update(inst.id, {
      containerId: container.id,
      configHash: rendered.configHash,
      stemcell: { name: stemcell.name, version: stemcell.version, api_version: stemcell.apiVersion },
      vmCreatedAt: new Date(),
    });
    inst.containerId = container.id;
    inst.configHash = rendered.configHash;
    if (old) await this.containers.remove(old);
  }

  /**
   * Starts the instance (unless the operator stopped it) and waits the watch window: at least `min`
   * ms, then until every process runs or `max` ms have passed. Throws the Director's message when a
   * process is not running.
   */
  async startAndWatch(inst: Instance, window: [number, number], signal: AbortSignal): Promise<void> {
    if (inst.state === 'stopped' || !inst.containerId) return;
    await this.containers.start(inst.containerId);
    const started = Date.now();
    await sleep(window[0], signal);
    let states: ProcessState[] = [];
    for (;;) {
      states = await this.containers.processStates(inst.containerId);
      const running = (await this.containers.isRunning(inst.containerId)) && states.every((s) => s.state === 'running');
      if (running) return;
      if (Date.now() - started >= window[1]) break;
      await sleep(500, signal);
    }
    const failing = states.filter((s) => s.state !== 'running').map((s) => s.name);
    throw new Error(
      `'${instanceLabel(inst)}' is not running after update. Review logs for failed jobs: ${failing.join(', ') || 'the instance container exited'}`,
    );
  }
}
