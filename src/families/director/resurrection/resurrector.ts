import type { Readable } from 'node:stream';
import type { DockerEngine } from '../../../docker/docker-engine';
import { LABELS } from '../../../docker/labels';
import type { Logger } from '../../../logger';
import type { TaskService } from '../../../tasks/task-service';
import { scanAndFixTask } from '../cloud-check/cloud-check-operations';
import { vmCid } from '../cloud-check/problem-types';
import { deploymentLock } from '../director-services';
import type { EventRecorder } from '../events/event-recorder';
import type { InstancesRepo } from '../instances/instances-repo';
import type { ResurrectionSetting } from './resurrection-setting';
import type { ResurrectionsRepo } from './resurrections-repo';

export interface ResurrectorSettings {
  nodeId: string;
  sweepSeconds: number;
  windowSeconds: number;
  backoffAfter: number;
  backoffBaseSeconds: number;
  backoffMaxSeconds: number;
}

/** The user the Director's health monitor acts as: the repairs it queues are its tasks. */
export const HEALTH_MONITOR_USER = 'hm';

/** A container that died or vanished, waiting to be looked at. */
interface Suspect {
  instanceId: string;
  containerId: string;
  reason: string;
  /** Not looked at before this time (ms, this node's clock): a back-off in progress. */
  notBefore: number;
}

class ClaimTaken extends Error {}

const TICK_MS = 1000;
const RECONNECT_MS = 2000;

/**
 * The health monitor's resurrector on Docker. It follows the engine's events for instance containers;
 * a container that dies or is destroyed becomes a suspect, and every instance's container is checked
 * again every `sweepSeconds` (for deaths no node saw). A suspect is looked at once its deployment's
 * lock is free, so that what bosun itself does to containers (deploy, stop, recreate, delete, all in
 * that lock) is over and recorded first: it is repaired only if it is still its instance's container,
 * the instance should run and is not ignored, resurrection is on, and the container is still not
 * running. The repair is a `scan and fix` task, queued by the one node whose claim wins.
 * An instance repaired `backoffAfter` times within `windowSeconds` waits longer each time.
 */
export class Resurrector {
  private readonly suspects = new Map<string, Suspect>();
  private stream: Readable | null = null;
  private timer: NodeJS.Timeout | null = null;
  private reconnect: NodeJS.Timeout | null = null;
  private ticking: Promise<void> | null = null;
  private lastSweep = 0;
  private stopped = true;

  constructor(
    private readonly docker: DockerEngine,
    private readonly tasks: TaskService,
    private readonly instances: InstancesRepo,
    private readonly resurrections: ResurrectionsRepo,
    private readonly setting: ResurrectionSetting,
    private readonly events: EventRecorder,
    private readonly settings: ResurrectorSettings,
    private readonly log: Logger,
  ) {}

  async start(): Promise<void> {
    this.stopped = false;
    await this.follow();
    this.timer = setInterval(() => {
      this.ticking ??= this.tick()
        .catch((err) => this.log.warn({ err }, 'resurrector: a check failed'))
        .finally(() => (this.ticking = null));
    }, TICK_MS);
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearInterval(this.timer);
    if (this.reconnect) clearTimeout(this.reconnect);
    this.timer = this.reconnect = null;
    this.stream?.destroy();
    this.stream = null;
    await this.ticking;
    this.suspects.clear();
  }

  /** Follows the engine's container events; a broken stream is followed again after a pause. */
  private async follow(): Promise<void> {
    if (this.stopped) return;
    try {
      const stream = (await this.docker.getEvents({
        filters: { type: ['container'], event: ['die', 'destroy'], label: [LABELS.instanceId] },
      })) as unknown as Readable;
      this.stream = stream;
      let pending = '';
      stream.on('data', (chunk: Buffer) => {
        pending += chunk.toString('utf8');
        let nl: number;
        while ((nl = pending.indexOf('\n')) >= 0) {
          const line = pending.slice(0, nl).trim();
          pending = pending.slice(nl + 1);
          if (line) this.onEvent(line);
        }
      });
      stream.on('error', () => undefined);
      stream.on('close', () => {
        if (this.stream === stream) this.stream = null;
        this.retryFollow();
      });
    } catch (err) {
      this.log.warn({ err }, 'resurrector: cannot follow Docker events');
      this.retryFollow();
    }
  }

  private retryFollow(): void {
    if (this.stopped || this.reconnect) return;
    this.reconnect = setTimeout(() => {
      this.reconnect = null;
      // Deaths while the stream was down are found by the next sweep.
      this.lastSweep = 0;
      void this.follow();
    }, RECONNECT_MS);
  }

  private onEvent(line: string): void {
    let e: { Action?: string; Actor?: { ID?: string; Attributes?: Record<string, string> } };
    try {
      e = JSON.parse(line) as typeof e;
    } catch {
      return;
    }
    const attrs = e.Actor?.Attributes ?? {};
    const instanceId = attrs[LABELS.instanceId];
    const containerId = e.Actor?.ID;
    if (!instanceId || !containerId) return;
    const reason =
      e.Action === 'destroy'
        ? `container ${vmCid(containerId)} was removed`
        : `container ${vmCid(containerId)} exited with code ${attrs.exitCode ?? 'unknown'}`;
    this.suspect(instanceId, containerId, reason);
  }

  private suspect(instanceId: string, containerId: string, reason: string): void {
    const known = this.suspects.get(instanceId);
    if (known?.containerId === containerId) return;
    this.suspects.set(instanceId, { instanceId, containerId, reason, notBefore: 0 });
  }

  private async tick(): Promise<void> {
    if (Date.now() - this.lastSweep >= this.settings.sweepSeconds * 1000) {
      this.lastSweep = Date.now();
      await this.sweep();
    }
    if (!this.suspects.size) return;
    if (await this.setting.paused()) {
      // Off for the whole Director: nothing is repaired; the sweep finds them again once it is back on.
      this.suspects.clear();
      return;
    }
    const locked = new Set((await this.tasks.listRunning()).map((t) => t.queueName));
    for (const s of [...this.suspects.values()]) {
      if (this.stopped) return;
      if (Date.now() < s.notBefore) continue;
      await this.consider(s, locked).catch((err) =>
        this.log.warn({ err, instance: s.instanceId }, 'resurrector: a repair could not be queued'),
      );
    }
  }

  /** Every started instance's container, as the engine lists it: a missing or stopped one is a suspect. */
  private async sweep(): Promise<void> {
    const wanted = await this.instances.startedWithVm();
    if (!wanted.length) return;
    const listed = new Map(
      (await this.docker.listContainers({ all: true, filters: { label: [LABELS.instanceId] } })).map((c) => [c.Id, c]),
    );
    for (const inst of wanted) {
      const c = listed.get(inst.containerId!);
      if (!c) this.suspect(inst.id, inst.containerId!, `container ${vmCid(inst.containerId)} is missing`);
      else if (c.State !== 'running') this.suspect(inst.id, c.Id, `container ${vmCid(c.Id)} is ${c.State}`);
    }
  }

  private async consider(s: Suspect, locked: Set<string | null>): Promise<void> {
    const inst = await this.instances.find(s.instanceId);
    if (!inst || inst.containerId !== s.containerId || inst.state !== 'started' || inst.ignore) {
      this.suspects.delete(s.instanceId);
      return;
    }
    // bosun may be changing this deployment's containers: look again once that task has ended.
    if (locked.has(deploymentLock(inst.deployment))) return;
    if (await this.isRunning(s.containerId)) {
      this.suspects.delete(s.instanceId);
      return;
    }
    if (await this.resurrections.pending(inst.id)) return;
    const { count, secondsSinceLast } = await this.resurrections.recent(inst.id, this.settings.windowSeconds);
    if (count >= this.settings.backoffAfter && secondsSinceLast !== null) {
      const wait = Math.min(
        this.settings.backoffBaseSeconds * 2 ** (count - this.settings.backoffAfter),
        this.settings.backoffMaxSeconds,
      );
      if (secondsSinceLast < wait) {
        const left = wait - secondsSinceLast;
        s.notBefore = Date.now() + left * 1000;
        await this.events.record({
          user: HEALTH_MONITOR_USER,
          action: 'resurrect',
          objectType: 'instance',
          objectName: `${inst.group}/${inst.id}`,
          deployment: inst.deployment,
          instance: `${inst.group}/${inst.id}`,
          error:
            `Resurrection of '${inst.group}/${inst.id} (${inst.index})' postponed: repaired ${count} times ` +
            `in the last ${this.settings.windowSeconds} s; next attempt in ${Math.ceil(left)} s`,
          context: { reason: s.reason, repairs: count, backoff_seconds: wait },
        });
        return;
      }
    }
    try {
      await this.tasks.enqueue(
        {
          type: scanAndFixTask.type,
          description: 'scan and fix',
          deploymentName: inst.deployment,
          username: HEALTH_MONITOR_USER,
          queueName: deploymentLock(inst.deployment),
          params: { jobs: [[inst.group, inst.index]], reasons: { [inst.id]: s.reason } },
        },
        async (trx, task) => {
          const claimed = await this.resurrections.claim(
            trx,
            {
              instanceId: inst.id,
              containerId: s.containerId,
              deployment: inst.deployment,
              nodeId: this.settings.nodeId,
              reason: s.reason,
            },
            task.id,
          );
          if (!claimed) throw new ClaimTaken();
        },
      );
      this.log.info({ instance: inst.id, reason: s.reason }, 'resurrector: scan and fix queued');
    } catch (err) {
      if (!(err instanceof ClaimTaken)) throw err;
    }
    this.suspects.delete(s.instanceId);
  }

  private async isRunning(containerId: string): Promise<boolean> {
    try {
      return Boolean((await this.docker.getContainer(containerId).inspect()).State.Running);
    } catch (err) {
      if ((err as { statusCode?: number }).statusCode === 404) return false;
      throw err;
    }
  }
}
