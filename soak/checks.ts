import Docker from 'dockerode';
import { LABELS } from '../src/docker/labels';
import type { SoakCluster } from './cluster';
import type { DaemonClient } from './http-client';
import { SERIAL_QUEUE, Submitted } from './load';
import type { RawRows } from '../src/db/row-values';

export interface CheckResult {
  name: string;
  ok: boolean;
  detail: string;
}

const FINAL = ['done', 'error', 'cancelled', 'timeout'];
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const few = (xs: unknown[]) => `${xs.slice(0, 10).join(', ')}${xs.length > 10 ? `, … (${xs.length})` : ''}`;

function result(name: string, problems: string[], okDetail: string): CheckResult {
  return { name, ok: problems.length === 0, detail: problems.length ? few(problems) : okDetail };
}

interface TaskRow {
  id: number;
  state: string;
  node_id: string | null;
  queue_name: string | null;
  started_at: Date | null;
  timestamp: Date;
  starts: number;
}

async function taskRows(cluster: SoakCluster, ids: number[]): Promise<Map<number, TaskRow>> {
  const res = await cluster.knex.raw<RawRows<TaskRow>>(
    `select t.id, t.state, t.node_id, t.queue_name, t.started_at, t.timestamp,
            coalesce((select regexp_count(convert_from(string_agg(l.data, ''::bytea order by l.start_offset), 'UTF8'), 'Starting task: [0-9]+')
                        from task_logs l where l.task_id = t.id and l.log = 'debug'), 0)::int as starts
       from tasks t where t.id = any(?)`,
    [ids],
  );
  return new Map(res.rows.map((r) => [Number(r.id), { ...r, id: Number(r.id) }]));
}

/** Waits until no task is queued or running, or `deadlineMs` passes; returns how long it took. */
export async function waitForQuiet(cluster: SoakCluster, deadlineMs: number): Promise<number> {
  const start = Date.now();
  for (;;) {
    const res = await cluster.knex.raw<RawRows>(
      `select count(*)::int as n from tasks where state not in ('done', 'error', 'cancelled', 'timeout')`,
    );
    if (res.rows[0].n === 0 || Date.now() - start > deadlineMs) return Date.now() - start;
    await sleep(250);
  }
}

/** Everything the load part promises, checked from the database, Docker and the API afterwards. */
export async function checkAfterLoad(
  cluster: SoakCluster,
  submitted: Submitted[],
  killedNode: string,
): Promise<CheckResult[]> {
  const rows = await taskRows(
    cluster,
    submitted.map((s) => s.taskId),
  );
  const out: CheckResult[] = [];

  out.push(
    result(
      'no task lost',
      submitted.filter((s) => !rows.has(s.taskId)).map((s) => `task ${s.taskId} missing`),
      `${submitted.length} submitted, all stored`,
    ),
  );

  const stuck = [...rows.values()].filter((r) => !FINAL.includes(r.state)).map((r) => `task ${r.id} ${r.state}`);
  out.push(result('none stuck non-terminal past the liveness period', stuck, 'all terminal'));

  const twice: string[] = [];
  for (const r of rows.values()) {
    if (r.starts > 1) twice.push(`task ${r.id} started ${r.starts} times`);
    if ((r.state === 'done' || r.state === 'error') && r.starts !== 1)
      twice.push(`task ${r.id} ${r.state} with ${r.starts} starts`);
  }
  out.push(result('none run twice', twice, 'every task started at most once'));

  const wrong: string[] = [];
  for (const s of submitted) {
    const r = rows.get(s.taskId);
    if (!r) continue;
    if (r.state === 'cancelled' && !s.cancelRequested) wrong.push(`task ${s.taskId} cancelled unasked`);
    if (r.state === 'timeout' && r.node_id !== killedNode)
      wrong.push(`task ${s.taskId} timed out on ${r.node_id}, which was not killed`);
    const expected = s.kind === 'job-fail' ? 'error' : 'done';
    if (!s.cancelRequested && r.state !== 'timeout' && r.state !== expected)
      wrong.push(`task ${s.taskId} (${s.kind}) ended ${r.state}`);
  }
  out.push(
    result(
      'each task ended as asked (cancelled only when asked, timeout only on the killed node)',
      wrong,
      'all consistent',
    ),
  );

  const serial = submitted
    .map((s) => rows.get(s.taskId))
    .filter(
      (r): r is TaskRow =>
        !!r && r.queue_name === `job:${SERIAL_QUEUE}` && (r.state === 'done' || r.state === 'error') && !!r.started_at,
    )
    .sort((a, b) => a.id - b.id);
  const overlaps: string[] = [];
  for (let i = 1; i < serial.length; i++) {
    if (new Date(serial[i].started_at!).getTime() < new Date(serial[i - 1].timestamp).getTime()) {
      overlaps.push(`tasks ${serial[i - 1].id} and ${serial[i].id} overlapped`);
    }
  }
  out.push(result('serial queue ran one at a time, in order', overlaps, `${serial.length} serial jobs`));

  out.push(result('no container left behind', await containersLeft(cluster), 'none'));

  out.push(await checkLogsReadable(cluster, submitted, rows));
  return out;
}

/** Containers of this run's nodes still present (running or not). */
export async function containersLeft(cluster: SoakCluster): Promise<string[]> {
  const docker = new Docker();
  const left: string[] = [];
  for (const node of cluster.nodes) {
    const found = await docker.listContainers({ all: true, filters: { label: [`${LABELS.nodeId}=${node.nodeId}`] } });
    left.push(...found.map((c) => `${c.Names[0]} (${c.State})`));
  }
  return left;
}

/** Every task's logs, and every job, read back through the API of a live node; job output as printed. */
async function checkLogsReadable(
  cluster: SoakCluster,
  submitted: Submitted[],
  rows: Map<number, TaskRow>,
): Promise<CheckResult> {
  const client: DaemonClient = cluster.live()[0].client!;
  const problems: string[] = [];
  let reads = 0;
  const get = async (path: string, allowed: number[]) => {
    reads++;
    const r = await client.request('GET', path, { auth: cluster.admin });
    if (!allowed.includes(r.status)) problems.push(`${path}: ${r.status}`);
    return r;
  };
  const queue = [...submitted];
  await Promise.all(
    Array.from({ length: 8 }, async () => {
      for (let s = queue.shift(); s; s = queue.shift()) {
        await get(`/tasks/${s.taskId}`, [200]);
        for (const type of ['event', 'debug', 'result']) await get(`/tasks/${s.taskId}/output?type=${type}`, [200]);
        if (s.jobId) await get(`/v1/api/job/${s.jobId}`, [200]);
        if (s.expectedStdout !== null && rows.get(s.taskId)?.state === 'done' && !s.cancelRequested) {
          const out = await get(`/tasks/${s.taskId}/output?type=stdout`, [200, 204]);
          if (out.text !== s.expectedStdout)
            problems.push(
              `task ${s.taskId} stdout is ${out.body.length} bytes, not the ${s.expectedStdout.length} printed`,
            );
        }
      }
    }),
  );
  return result('every log readable (job output as printed)', problems, `${reads} reads`);
}
