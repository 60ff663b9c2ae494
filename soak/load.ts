import type { SoakCluster, SoakNode } from './cluster';
import type { Reply } from './http-client';
import { Random } from './random';

export const TEST_IMAGE = process.env.BOSUN_TEST_IMAGE ?? 'bosun-test/busybox:latest';
export const SERIAL_QUEUE = 'soak-serial';

export type TaskKind = 'sleep' | 'job-ok' | 'job-fail' | 'job-serial' | 'job-chatty';
const KINDS: TaskKind[] = ['sleep', 'sleep', 'job-ok', 'job-ok', 'job-fail', 'job-serial', 'job-chatty'];
/** `seq 1 N` prints this many bytes. */
export const CHATTY_LINES = 20_000;

export interface Submitted {
  seq: number;
  kind: TaskKind;
  node: string;
  taskId: number;
  jobId: string | null;
  /** What the container prints on stdout when it runs to the end. */
  expectedStdout: string | null;
  cancelRequested: boolean;
}

export interface LoadOptions {
  durationMs: number;
  tasksPerSecond: number;
  /** Share of tasks that get a cancel or a kill request a little after they are submitted. */
  cancelShare: number;
  /** When one node is SIGKILLed (ms from the start), and how long it stays down. */
  killAtMs: number;
  downForMs: number;
}

export interface LoadFigures {
  requests: number;
  byStatus: Record<string, number>;
  submitted: Submitted[];
  cancelsSent: number;
  killsSent: number;
  sigkills: number;
  restarts: number;
  /** Requests that got no answer because their node was being killed. */
  droppedByFault: number;
  /** Answers no request of the load should get (5xx, unexpected codes, errors from a live node). */
  unexpected: string[];
  killedNode: string;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function stdoutOf(kind: TaskKind, seq: number): string | null {
  if (kind === 'job-ok') return `soak-out-${seq}\n`;
  if (kind === 'job-serial') return `serial-${seq}\n`;
  if (kind === 'job-chatty') return Array.from({ length: CHATTY_LINES }, (_, i) => `${i + 1}\n`).join('');
  if (kind === 'job-fail') return '';
  return null;
}

function jobBody(kind: TaskKind, seq: number, rnd: Random): object {
  const pause = `0.${rnd.int(0, 9)}`;
  const run: Record<Exclude<TaskKind, 'sleep'>, string> = {
    'job-ok': `echo soak-out-${seq}; sleep ${pause}`,
    'job-fail': `echo soak-err-${seq} >&2; sleep ${pause}; exit 3`,
    'job-serial': `echo serial-${seq}; sleep 0.2`,
    'job-chatty': `seq 1 ${CHATTY_LINES}`,
  };
  return {
    container_image: TEST_IMAGE,
    run: ['sh', '-c', run[kind as Exclude<TaskKind, 'sleep'>]],
    ...(kind === 'job-serial' ? { qname: SERIAL_QUEUE } : {}),
  };
}

/**
 * A steady rate of mixed tasks (Director test sleeps and container jobs: passing, failing, serial,
 * chatty) sent to both nodes, with random cancels and job kills; one node is SIGKILLed mid-load and
 * restarted after `downForMs`.
 */
export async function runLoad(cluster: SoakCluster, rnd: Random, opts: LoadOptions): Promise<LoadFigures> {
  const f: LoadFigures = {
    requests: 0,
    byStatus: {},
    submitted: [],
    cancelsSent: 0,
    killsSent: 0,
    sigkills: 0,
    restarts: 0,
    droppedByFault: 0,
    unexpected: [],
    killedNode: '',
  };
  const victim = rnd.pick(cluster.nodes);
  f.killedNode = victim.nodeId;
  let victimDying = false;
  const inFlight = new Set<Promise<void>>();
  const track = (p: Promise<void>) => {
    inFlight.add(p);
    void p.finally(() => inFlight.delete(p));
  };

  async function send(node: SoakNode, method: string, path: string, body?: object): Promise<Reply | null> {
    const client = node.client;
    if (!client) return null;
    f.requests++;
    try {
      const reply = await client.request(method, path, {
        auth: cluster.admin,
        ...(body ? { body: JSON.stringify(body), headers: { 'Content-Type': 'application/json' } } : {}),
      });
      const cls = `${Math.floor(reply.status / 100)}xx`;
      f.byStatus[cls] = (f.byStatus[cls] ?? 0) + 1;
      if (reply.status >= 500)
        f.unexpected.push(`${method} ${path} on ${node.name}: ${reply.status} ${reply.text.slice(0, 200)}`);
      return reply;
    } catch (err) {
      if (node === victim && (victimDying || !node.client)) f.droppedByFault++;
      else f.unexpected.push(`${method} ${path} on ${node.name}: ${(err as Error).message}`);
      return null;
    }
  }

  const liveNode = () => rnd.pick(cluster.live());

  async function submit(seq: number): Promise<void> {
    const kind = rnd.pick(KINDS);
    const node = liveNode();
    const reply =
      kind === 'sleep'
        ? await send(node, 'POST', `/test/sleep?ms=${rnd.int(200, 1500)}`)
        : await send(node, 'POST', '/v1/api/job', jobBody(kind, seq, rnd));
    if (!reply) return;
    const location = String(reply.headers.location ?? '');
    const m = /^\/tasks\/(\d+)$/.exec(location);
    if (reply.status !== 302 || !m) {
      f.unexpected.push(`submitting ${kind} on ${node.name}: ${reply.status} ${reply.text.slice(0, 200)}`);
      return;
    }
    const s: Submitted = {
      seq,
      kind,
      node: node.nodeId,
      taskId: Number(m[1]),
      jobId: kind === 'sleep' ? null : (JSON.parse(reply.text) as { _id: string })._id,
      expectedStdout: stdoutOf(kind, seq),
      cancelRequested: false,
    };
    f.submitted.push(s);
    if (rnd.chance(opts.cancelShare)) {
      await sleep(rnd.int(0, 1500));
      await cancel(s);
    }
  }

  async function cancel(s: Submitted): Promise<void> {
    s.cancelRequested = true;
    const node = liveNode();
    const viaKill = s.jobId !== null && rnd.chance(0.5);
    const reply = viaKill
      ? await send(node, 'POST', `/v1/api/job/kill/${s.jobId}`)
      : await send(node, 'DELETE', `/task/${s.taskId}`);
    if (viaKill) f.killsSent++;
    else f.cancelsSent++;
    const allowed = viaKill ? [200, 400] : [204, 400];
    if (reply && !allowed.includes(reply.status)) {
      f.unexpected.push(
        `${viaKill ? 'kill' : 'cancel'} of task ${s.taskId}: ${reply.status} ${reply.text.slice(0, 200)}`,
      );
    }
  }

  const fault = (async () => {
    await sleep(opts.killAtMs);
    victimDying = true;
    await cluster.kill(victim);
    f.sigkills++;
    await sleep(opts.downForMs);
    await cluster.startNode(victim);
    victimDying = false;
    f.restarts++;
  })();

  const start = Date.now();
  const gap = 1000 / opts.tasksPerSecond;
  for (let seq = 1; Date.now() - start < opts.durationMs; seq++) {
    track(submit(seq));
    const due = start + seq * gap;
    await sleep(Math.max(0, due - Date.now()));
  }
  await fault;
  while (inFlight.size) await Promise.all([...inFlight]);
  f.submitted.sort((a, b) => a.taskId - b.taskId);
  return f;
}
