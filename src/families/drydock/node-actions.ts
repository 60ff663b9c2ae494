import crypto from 'node:crypto';
import os from 'node:os';
import type { EngineContainerInspect } from '../../docker/docker-engine';
import type { BootActionService } from './boot-action-service';
import type { BootActionsRepo } from './boot-actions-repo';
import { AssetRenderError, BootActionIdentity, renderNodeAssets, unitCommands } from './boot-assets';
import type { BuildData, BuildDataRepo } from './build-data-repo';
import type { EffectiveSite } from './design-validation';
import { DrydockError } from './drydock-errors';
import { boundedScript, NODE_LABELS, NodeContainers, splitBoundedOutput } from './node-containers';
import type { NodeRecord, NodesRepo } from './nodes-repo';
import type { NodeModel } from './site-design';
import { ulid } from './ulid';
import { asError } from '../../errors/as-error';

export interface NodeMessage {
  message: string;
  error: boolean;
}

export interface NodeOutcome {
  ok: boolean;
  messages: NodeMessage[];
}

export interface NodeWork {
  node: NodeModel;
  site: EffectiveSite;
  designId: string;
  designRef: string;
  /** The node's subtask (the owner of its build data and boot actions). */
  subtaskId: string;
  /** The Director task running the action (labels the containers it creates). */
  directorTaskId: number;
  signal: AbortSignal;
}

export interface NodeActionDeps {
  containers: NodeContainers;
  nodes: NodesRepo;
  buildData: BuildDataRepo;
  bootActions: BootActionsRepo;
  reports: BootActionService;
  /** How long a deploy waits for a boot action's units before leaving them running. */
  unitTimeoutMs: number;
  reportUrl: string;
}

/** A line a unit prints to report through its node's channel: `BOOTACTION {"details":[...],"status":...}`. */
const REPORT_LINE = /^BOOTACTION\s+(\{.*\})\s*$/;

/** What a node's build data runs in it (each its own record, named by the command). */
const BUILD_DATA_COMMANDS = ['uname -a', 'cat /proc/meminfo'];

/** How long a start waits for its node's PID 1 to print the build data before asking with an exec. */
const START_OUTPUT_TIMEOUT_MS = 15_000;

const says = (message: string, error = false): NodeMessage => ({ message, error });

/** A line no command's output can contain by chance: it delimits the build-data commands' outputs. */
const newBoundary = () => `BOSUN-BUILD-DATA-${crypto.randomBytes(12).toString('hex')}`;

/**
 * What each node action does to one node, on Docker. Every action answers with its messages and
 * whether the node succeeded; a node already in the wanted state is a success, not a failure.
 */
export class NodeActions {
  constructor(private readonly d: NodeActionDeps) {}

  async verify(w: NodeWork): Promise<NodeOutcome> {
    const image = w.node.image!;
    if (!(await this.d.containers.imagePresent(image)))
      return { ok: false, messages: [says(`Image ${image} of node ${w.node.name} is not on the engine`, true)] };
    const info = await this.d.containers.inspect(w.node.name);
    return {
      ok: true,
      messages: [
        says(
          `Node ${w.node.name}: image ${image} present; container ${info ? (info.State.Running ? 'running' : 'stopped') : 'not created'}`,
        ),
      ],
    };
  }

  /** The node's container, created stopped, and its build data. */
  async prepare(w: NodeWork): Promise<NodeOutcome> {
    return (await this.prepareNode(w, false)).outcome;
  }

  /**
   * prepare_nodes' work on one node. `leaveRunning` is for a deploy, which starts the node next: the
   * container started to collect build data is not stopped only to be started again (a stop and a start
   * cost more than everything else a node's deploy does). Answers the container as it is after.
   */
  private async prepareNode(
    w: NodeWork,
    leaveRunning: boolean,
    // What the caller has just read of the node, not read again.
    known?: { record: NodeRecord | null; info: EngineContainerInspect | null },
  ): Promise<{ outcome: NodeOutcome; info: EngineContainerInspect | null }> {
    const messages: NodeMessage[] = [];
    const record = known ? known.record : await this.d.nodes.find(w.node.name);
    let info = known ? known.info : await this.d.containers.inspect(w.node.name);
    if (info?.State.Running && record?.statusName === 'Deployed') {
      return {
        outcome: { ok: true, messages: [says(`Node ${w.node.name} is already deployed; left as it is`)] },
        info,
      };
    }
    if (info && info.Config.Image !== w.node.image) {
      await this.d.containers.remove(w.node.name);
      messages.push(
        says(`Node ${w.node.name}: container of image ${info.Config.Image} replaced (the design says ${w.node.image})`),
      );
      info = null;
    }
    if (!info) {
      if (!(await this.d.containers.imagePresent(w.node.image!)))
        return {
          outcome: {
            ok: false,
            messages: [...messages, says(`Image ${w.node.image} of node ${w.node.name} is not on the engine`, true)],
          },
          info: null,
        };
      info = await this.d.containers.create({
        hostname: w.node.name,
        image: w.node.image!,
        designId: w.designId,
        taskId: w.directorTaskId,
        atStart: { commands: BUILD_DATA_COMMANDS, boundary: newBoundary() },
      });
      messages.push(says(`Node ${w.node.name}: container ${info.Id.slice(0, 12)} created from ${w.node.image}`));
    }
    w.signal.throwIfAborted();
    const collected = await this.collectBuildData(w, info, leaveRunning);
    messages.push(says(`Node ${w.node.name}: ${collected.records.length} build data records collected`));
    // A node prepared by its deploy goes on deploying: recorded as such, not as Ready and then Deploying.
    await Promise.all([
      this.d.buildData.insert(collected.records),
      this.record(w, collected.info, leaveRunning ? 'Deploying' : 'Ready'),
    ]);
    return { outcome: { ok: true, messages }, info: collected.info };
  }

  /** Starts the node and delivers its boot actions; a node already deployed and running is a success as it is. */
  async deploy(w: NodeWork): Promise<NodeOutcome> {
    const [record, found] = await Promise.all([this.d.nodes.find(w.node.name), this.d.containers.inspect(w.node.name)]);
    let info = found;
    if (info?.State.Running && record?.statusName === 'Deployed' && info.Config.Image === w.node.image) {
      return { ok: true, messages: [says(`Node ${w.node.name} is already deployed`)] };
    }
    const messages: NodeMessage[] = [];
    if (!info || info.Config.Image !== w.node.image) {
      const prepared = await this.prepareNode(w, true, { record, info });
      messages.push(...prepared.outcome.messages);
      if (!prepared.outcome.ok) return { ok: false, messages };
      info = prepared.info!;
    } else {
      await this.d.nodes.setStatus(w.node.name, 'Deploying');
    }
    w.signal.throwIfAborted();

    const key = crypto.randomBytes(32).toString('hex');
    const targeting = w.site.design.bootActions.filter((ba) =>
      (w.site.bootActionTargets.get(ba.name) ?? []).includes(w.node.name),
    );
    const identities = new Map<string, BootActionIdentity>(
      targeting.map((ba) => [ba.name, { actionId: ulid(), identityKey: key }]),
    );
    await this.d.bootActions.insert(
      targeting.map((ba) => ({
        actionId: identities.get(ba.name)!.actionId,
        nodeName: w.node.name,
        actionName: ba.name,
        taskId: w.subtaskId,
        identityKey: key,
        actionStatus: ba.signaling ? 'incomplete' : 'unreported',
      })),
    );
    let assets;
    try {
      assets = renderNodeAssets(w.site, w.node.name, identities, w.designRef, this.d.reportUrl);
    } catch (err) {
      if (!(err instanceof AssetRenderError)) throw err;
      await this.d.nodes.setStatus(w.node.name, 'Failed deployment');
      return { ok: false, messages: [...messages, says(`Node ${w.node.name}: ${err.message}`, true)] };
    }
    await this.d.containers.putFiles(w.node.name, assets);
    if (!info.State.Running) await this.d.containers.start(w.node.name);
    messages.push(says(`Node ${w.node.name}: started with ${assets.length} boot action assets`));

    let ok = true;
    for (const ba of targeting) {
      w.signal.throwIfAborted();
      const id = identities.get(ba.name)!;
      const units = assets.filter((a) => a.bootAction === ba.name && a.type === 'unit');
      const outcome = await this.runBootAction(
        w.node.name,
        ba.name,
        id,
        units.flatMap((u) => unitCommands(u.content)),
        ba.signaling,
        w.signal,
      );
      messages.push(...outcome.messages);
      if (!outcome.ok) ok = false;
    }
    await this.d.nodes.setStatus(w.node.name, ok ? 'Deployed' : 'Failed deployment');
    return { ok, messages };
  }

  async destroy(w: NodeWork): Promise<NodeOutcome> {
    const removed = await this.d.containers.remove(w.node.name);
    await this.d.nodes.delete(w.node.name);
    return {
      ok: true,
      messages: [says(removed ? `Node ${w.node.name}: container removed` : `Node ${w.node.name} had no container`)],
    };
  }

  /** The node's labels (its owner data) as the design says now. */
  async relabel(w: NodeWork): Promise<NodeOutcome> {
    if (!(await this.d.nodes.setLabels(w.node.name, w.node.ownerData)))
      return { ok: false, messages: [says(`Node ${w.node.name} is not provisioned`, true)] };
    return { ok: true, messages: [says(`Node ${w.node.name}: labels ${JSON.stringify(w.node.ownerData)}`)] };
  }

  /**
   * Runs a boot action's unit commands in the node and relays what they report. The node's channel
   * to bosun is the output of its commands: a line `BOOTACTION <json>` is a report, sent to the
   * boot-action API's service with the key the node holds. A signaling action whose commands did not
   * report a final status gets one from their exit codes.
   */
  private async runBootAction(
    hostname: string,
    name: string,
    id: BootActionIdentity,
    commands: string[],
    signaling: boolean,
    signal: AbortSignal,
  ): Promise<NodeOutcome> {
    const messages: NodeMessage[] = [];
    const relay = async (body: unknown) => {
      if (!signaling) return;
      try {
        await this.d.reports.report(id.actionId, id.identityKey, body);
      } catch (err) {
        if (!(err instanceof DrydockError)) throw err;
        messages.push(says(`Node ${hostname}: boot action ${name} report refused: ${err.message}`, true));
      }
    };
    let failed = false;
    for (const cmd of commands) {
      const env = `BOSUN_ACTION_ID=${id.actionId} BOSUN_ACTION_KEY=${id.identityKey}`;
      const run = this.d.containers.exec(hostname, ['/bin/sh', '-c', `export ${env}; ${cmd}`]);
      let timer: NodeJS.Timeout | undefined;
      let onAbort: (() => void) | undefined;
      const timeout = new Promise<null>((r) => (timer = setTimeout(() => r(null), this.d.unitTimeoutMs)));
      // A terminated task stops waiting for the node (what it started goes on in the node, as on a machine).
      const aborted = new Promise<never>((_r, reject) => {
        onAbort = () => reject(asError(signal.reason));
        signal.addEventListener('abort', onAbort, { once: true });
      });
      let out;
      try {
        out = await Promise.race([run, timeout, aborted]);
      } finally {
        clearTimeout(timer);
        signal.removeEventListener('abort', onAbort!);
        aborted.catch(() => undefined);
        run.catch(() => undefined);
      }
      if (!out) {
        messages.push(
          says(
            `Node ${hostname}: boot action ${name}: '${cmd}' still running after ${this.d.unitTimeoutMs / 1000} s; left running`,
          ),
        );
        continue;
      }
      for (const line of out.stdout.split('\n')) {
        const m = REPORT_LINE.exec(line);
        if (!m) continue;
        let body: unknown;
        try {
          body = JSON.parse(m[1]);
        } catch {
          body = m[1];
        }
        await relay(body);
      }
      if (out.exitCode !== 0) failed = true;
      messages.push(says(`Node ${hostname}: boot action ${name}: '${cmd}' exited ${out.exitCode}`, out.exitCode !== 0));
    }
    if (!signaling) return { ok: !failed, messages };
    const record = await this.d.bootActions.find(id.actionId);
    if (record?.actionStatus === 'incomplete') {
      await relay({
        status: failed ? 'failure' : 'success',
        details: [
          { message: commands.length ? `units ${failed ? 'failed' : 'ran'}` : 'assets delivered', error: failed },
        ],
      });
    }
    const final = (await this.d.bootActions.find(id.actionId))?.actionStatus;
    if (final === 'failure') messages.push(says(`Node ${hostname}: boot action ${name} reported failure`, true));
    return { ok: final !== 'failure' && !failed, messages };
  }

  /**
   * `docker inspect`, and `uname -a` and `cat /proc/meminfo` run inside (started for them and stopped
   * again unless `leaveRunning`). Answers the records (for the caller to store) and the container after.
   *
   * A stopped node created by bosun runs the commands itself as it starts (its PID 1 prints them before
   * it idles) and they are read from its output, attached before the start: no exec, which costs the
   * engine about as much as a start and which a deploy would wait for. A running node, or one whose
   * output did not bring them, is asked with one exec.
   */
  private async collectBuildData(
    w: NodeWork,
    info: EngineContainerInspect,
    leaveRunning: boolean,
  ): Promise<{ records: BuildData[]; info: EngineContainerInspect }> {
    const wasRunning = info.State.Running;
    const records: BuildData[] = [];
    const add = (generator: string, dataFormat: string, dataElement: string) =>
      records.push({
        nodeName: w.node.name,
        taskId: w.subtaskId,
        collectedDate: new Date(),
        generator,
        dataFormat,
        dataElement,
      });
    const boundary = info.Config.Labels?.[NODE_LABELS.buildData];
    try {
      let outputs: Array<{ command: string; exitCode: number; stdout: string }> = [];
      if (!wasRunning && boundary) {
        const stdout = await this.d.containers.startReading(
          w.node.name,
          boundary,
          BUILD_DATA_COMMANDS.length,
          START_OUTPUT_TIMEOUT_MS,
        );
        outputs = splitBoundedOutput(BUILD_DATA_COMMANDS, boundary, stdout);
      } else if (!wasRunning) {
        await this.d.containers.start(w.node.name);
      }
      if (outputs.length < BUILD_DATA_COMMANDS.length) outputs = await this.runGenerators(w.node.name);
      for (const out of outputs) if (out.exitCode === 0) add(out.command, 'text/plain', out.stdout);
    } catch (err) {
      if (!wasRunning) await this.d.containers.stop(w.node.name);
      throw err;
    }
    if (!wasRunning && !leaveRunning) await this.d.containers.stop(w.node.name);
    const now = (await this.d.containers.inspect(w.node.name)) ?? info;
    add('docker inspect', 'application/json', JSON.stringify(now));
    return { records, info: now };
  }

  /** The build-data commands, in one exec (an exec costs the engine about as much as a start). */
  private async runGenerators(hostname: string): Promise<Array<{ command: string; exitCode: number; stdout: string }>> {
    const boundary = newBoundary();
    const out = await this.d.containers.exec(hostname, ['/bin/sh', '-c', boundedScript(BUILD_DATA_COMMANDS, boundary)]);
    return splitBoundedOutput(BUILD_DATA_COMMANDS, boundary, out.stdout);
  }

  private async record(w: NodeWork, info: EngineContainerInspect, statusName: 'Ready' | 'Deploying'): Promise<void> {
    const nano = info.HostConfig.NanoCpus ?? 0;
    await this.d.nodes.upsert({
      name: w.node.name,
      designId: w.designId,
      containerId: info.Id,
      image: w.node.image,
      statusName,
      cpuCount: nano ? Math.max(1, Math.ceil(nano / 1e9)) : os.cpus().length,
      memory: info.HostConfig.Memory
        ? Math.round(info.HostConfig.Memory / (1024 * 1024))
        : Math.round(os.totalmem() / (1024 * 1024)),
      labels: w.node.ownerData,
    });
  }
}
