import type { DockerEngine, EngineContainer, EngineContainerInfo } from '../../../docker/docker-engine';
import os from 'node:os';
import { ContainerLimits, ContainerPolicy, hostConfigOf } from '../../../docker/container-limits';
import { execInContainer } from '../../../docker/exec-in-container';
import { instanceLabels, LABELS } from '../../../docker/labels';
import { Overlay, putOverlay } from '../../../docker/overlay';
import { retarUnder } from '../archives/retar';
import { AGENT_PATH, PROCESS_STATES_PATH } from './agent-script';

export interface ProcessState {
  name: string;
  state: 'running' | 'failing' | 'stopped' | 'unknown';
}

export interface NewInstanceContainer {
  deployment: string;
  group: string;
  index: number;
  instanceId: string;
  image: string;
  nodeId: string;
  networkMode: string;
  /** Tar archives extracted at `/` before the agent starts. */
  overlays: Overlay[];
  /** Runs this instead of the agent (errands); the container is not restarted. */
  cmd?: string[];
  /** The instance's vm type's limits, over the policy's (already checked against the maxima). */
  limits?: Partial<ContainerLimits>;
}

/**
 * An instance's VM: a container of the stemcell image whose PID 1 is the agent script, labelled with
 * its deployment and instance so that listing and deleting find exactly these.
 */
export class InstanceContainers {
  constructor(
    private readonly docker: DockerEngine,
    private readonly stopGraceSeconds: number,
    /** Limits and security options of every instance container. */
    private readonly policy: ContainerPolicy,
  ) {}

  async create(spec: NewInstanceContainer): Promise<EngineContainer> {
    const container = await this.docker.createContainer({
      name: `bosun-${spec.deployment}-${spec.group}-${spec.index}-${spec.instanceId.slice(0, 8)}-${Date.now().toString(36)}`.slice(
        0,
        120,
      ),
      Image: spec.image,
      Hostname: spec.instanceId,
      Cmd: spec.cmd ?? ['/bin/sh', AGENT_PATH],
      Labels: instanceLabels(spec),
      HostConfig: {
        NetworkMode: spec.networkMode,
        RestartPolicy: spec.cmd ? { Name: 'no' } : { Name: 'unless-stopped' },
        ...hostConfigOf({ ...this.policy, limits: { ...this.policy.limits, ...spec.limits } }),
      },
    });
    try {
      for (const overlay of spec.overlays) await putOverlay(container, overlay);
    } catch (err) {
      await container.remove({ force: true, v: true }).catch(() => undefined);
      throw err;
    }
    return container;
  }

  /**
   * A new VM with the same state: a fresh container of the same image and labels, holding copies of
   * the old one's packages, jobs and agent; the old container is removed.
   */
  async recreate(oldId: string): Promise<string> {
    const old = this.get(oldId);
    const info = await old.inspect();
    const overlays: Overlay[] = [];
    for (const dir of ['packages', 'jobs', 'bosh']) {
      const path = `/var/vcap/${dir}`;
      try {
        await old.infoArchive({ path });
      } catch (err) {
        if ((err as { statusCode?: number }).statusCode !== 404) throw err;
        continue;
      }
      // Copied straight from the old container into the new one as it is put (the old one is only stopped by then).
      overlays.push(async () =>
        retarUnder((await old.getArchive({ path })) as unknown as AsyncIterable<Buffer>, 'var/vcap'),
      );
    }
    const labels = info.Config.Labels;
    await this.stop(oldId);
    const fresh = await this.create({
      deployment: labels[LABELS.deployment],
      group: labels[LABELS.group],
      index: Number(labels[LABELS.index] ?? 0),
      instanceId: labels[LABELS.instanceId],
      image: info.Config.Image,
      nodeId: labels[LABELS.nodeId],
      networkMode: info.HostConfig.NetworkMode ?? 'none',
      overlays,
      // The same VM: the limits its vm type gave the old container.
      limits: {
        ...(info.HostConfig.Memory ? { memoryBytes: info.HostConfig.Memory } : {}),
        ...(info.HostConfig.NanoCpus ? { cpus: info.HostConfig.NanoCpus / 1e9 } : {}),
      },
    });
    await this.remove(oldId);
    return fresh.id;
  }

  get(id: string): EngineContainer {
    return this.docker.getContainer(id);
  }

  async start(id: string): Promise<void> {
    try {
      await this.get(id).start();
    } catch (err) {
      if ((err as { statusCode?: number }).statusCode !== 304) throw err;
    }
  }

  async stop(id: string): Promise<void> {
    try {
      await this.get(id).stop({ t: this.stopGraceSeconds });
    } catch (err) {
      const code = (err as { statusCode?: number }).statusCode;
      if (code !== 304 && code !== 404) throw err;
    }
  }

  async remove(id: string): Promise<void> {
    try {
      await this.get(id).remove({ force: true, v: true });
    } catch (err) {
      if ((err as { statusCode?: number }).statusCode !== 404) throw err;
    }
  }

  /** Containers of a deployment (all of them, running or not), or of every deployment. */
  async list(deployment?: string): Promise<EngineContainerInfo[]> {
    const label = deployment === undefined ? [LABELS.deployment] : [`${LABELS.deployment}=${deployment}`];
    return this.docker.listContainers({ all: true, filters: { label } });
  }

  async isRunning(id: string): Promise<boolean> {
    try {
      return Boolean((await this.get(id).inspect()).State.Running);
    } catch {
      return false;
    }
  }

  /** Each job process's state, asked of the container itself; a stopped container's are all `stopped`. */
  async processStates(id: string): Promise<ProcessState[]> {
    if (!(await this.isRunning(id))) return [];
    const out = await execInContainer(this.get(id), ['/bin/sh', PROCESS_STATES_PATH]);
    return out.stdout
      .split('\n')
      .filter(Boolean)
      .map((line) => {
        const [name, state] = line.split(' ');
        return { name, state: state === 'running' ? 'running' : 'failing' };
      });
  }

  /** BOSH-style vitals from Docker's one-shot stats: CPU and memory as strings, as the agent reports them. */
  async vitals(id: string): Promise<Record<string, unknown>> {
    const load = os.loadavg().map((l) => l.toFixed(2));
    const empty = {
      cpu: { sys: '0.0', user: '0.0', wait: '0.0' },
      mem: { kb: '0', percent: '0' },
      swap: { kb: '0', percent: '0' },
      load,
      disk: {},
    };
    if (!(await this.isRunning(id))) return empty;
    const s = (await this.get(id).stats({ stream: false })) as unknown as DockerStats;
    const cpuDelta = s.cpu_stats.cpu_usage.total_usage - (s.precpu_stats.cpu_usage?.total_usage ?? 0);
    const systemDelta = (s.cpu_stats.system_cpu_usage ?? 0) - (s.precpu_stats.system_cpu_usage ?? 0);
    const cpus = s.cpu_stats.online_cpus ?? 1;
    const share = (part: number) =>
      systemDelta > 0 && cpuDelta >= 0 ? ((part / systemDelta) * cpus * 100).toFixed(1) : '0.0';
    const userDelta =
      (s.cpu_stats.cpu_usage.usage_in_usermode ?? 0) - (s.precpu_stats.cpu_usage?.usage_in_usermode ?? 0);
    const sysDelta =
      (s.cpu_stats.cpu_usage.usage_in_kernelmode ?? 0) - (s.precpu_stats.cpu_usage?.usage_in_kernelmode ?? 0);
    const usage = s.memory_stats.usage ?? 0;
    const limit = s.memory_stats.limit || os.totalmem();
    return {
      ...empty,
      cpu: { sys: share(Math.max(0, sysDelta)), user: share(Math.max(0, userDelta)), wait: '0.0' },
      mem: { kb: String(Math.round(usage / 1024)), percent: String(Math.round((usage / limit) * 100)) },
    };
  }
}

interface DockerStats {
  cpu_stats: {
    cpu_usage: { total_usage: number; usage_in_usermode?: number; usage_in_kernelmode?: number };
    system_cpu_usage?: number;
    online_cpus?: number;
  };
  precpu_stats: {
    cpu_usage?: { total_usage: number; usage_in_usermode?: number; usage_in_kernelmode?: number };
    system_cpu_usage?: number;
  };
  memory_stats: { usage?: number; limit?: number };
}
