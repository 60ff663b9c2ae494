import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { Database } from '../db/database';
import type { DockerEngine } from '../docker/docker-engine';
import { LABELS } from '../docker/labels';
import type { TaskObserver } from '../runner/task-observer';
import type { Task, TaskState } from '../tasks/task';

/** What the gauges read when scraped. */
export interface MetricsSources {
  db: Database;
  docker: DockerEngine;
  nodeId: string;
  /** The runner: whether it claims, its workers. */
  runner: { claiming: boolean; workers: { total: number; busy: number } };
  /** When this node last said it was alive (ms since the epoch). */
  lastHeartbeatAt: () => number;
  /** How long a node may go without saying so before its tasks time out. */
  timeoutSeconds: number;
  followed: () => { logs: number; followers: number };
}

/** Seconds: from sub-millisecond pickups to hour-long deploys. */
const PICKUP_BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300];
const RUN_BUCKETS = [0.01, 0.05, 0.1, 0.5, 1, 5, 10, 30, 60, 300, 900, 1800, 3600];
const HTTP_BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 10];

/** A Docker engine that does not answer within this is reported down for the scrape. */
const DOCKER_TIMEOUT_MS = 2000;

/**
 * The daemon's Prometheus metrics, on a registry of its own (every series labelled with the node): what
 * the runner observes as tasks run (pickup latency, run duration, claims, log bytes), HTTP request
 * durations, and gauges read from the database, the runner and the Docker engine at each scrape.
 */
export class DaemonMetrics implements TaskObserver {
  readonly registry = new Registry();
  private readonly pickup: Histogram<'type'>;
  private readonly run: Histogram<'type' | 'state'>;
  private readonly claims: Counter<'type'>;
  private readonly logBytesWritten: Counter<'log'>;
  private readonly http: Histogram<'method' | 'route' | 'status'>;

  constructor(nodeId: string) {
    const registers = [this.registry];
    this.registry.setDefaultLabels({ node: nodeId });
    collectDefaultMetrics({ register: this.registry, prefix: 'bosun_' });
    // Gauges named like counters, which Prometheus's lint refuses; the same counts by type remain.
    for (const name of ['active_handles_total', 'active_requests_total', 'active_resources_total'])
      this.registry.removeSingleMetric(`bosun_nodejs_${name}`);
    this.pickup = new Histogram({
      name: 'bosun_task_pickup_seconds',
      help: 'From a task being queued to its start on this node, by type',
      labelNames: ['type'],
      buckets: PICKUP_BUCKETS,
      registers,
    });
    this.run = new Histogram({
      name: 'bosun_task_run_seconds',
      help: 'Run time of the tasks this node ran, by type and final state',
      labelNames: ['type', 'state'],
      buckets: RUN_BUCKETS,
      registers,
    });
    this.claims = new Counter({
      name: 'bosun_tasks_claimed_total',
      help: 'Tasks this node took to run, by type',
      labelNames: ['type'],
      registers,
    });
    this.logBytesWritten = new Counter({
      name: 'bosun_task_log_bytes_written_total',
      help: 'Bytes of task logs this node stored, by log',
      labelNames: ['log'],
      registers,
    });
    this.http = new Histogram({
      name: 'bosun_http_request_duration_seconds',
      help: 'HTTP requests by method, route and status (a followed log counts until its stream starts)',
      labelNames: ['method', 'route', 'status'],
      buckets: HTTP_BUCKETS,
      registers,
    });
  }

  claimed(task: Task): void {
    this.claims.inc({ type: task.type });
    if (task.startedAt)
      this.pickup.observe({ type: task.type }, Math.max(0, task.startedAt.getTime() - task.createdAt.getTime()) / 1000);
  }

  finished(task: Task, state: TaskState, runMs: number): void {
    this.run.observe({ type: task.type, state }, runMs / 1000);
  }

  logBytes(log: string, bytes: number): void {
    this.logBytesWritten.inc({ log }, bytes);
  }

  /** For the HTTP layer: one request answered. */
  request(method: string, route: string, status: number, seconds: number): void {
    this.http.observe({ method, route, status: String(status) }, seconds);
  }

  /** The gauges read at each scrape. */
  watch(s: MetricsSources): void {
    const registers = [this.registry];
    const knex = s.db.knex;
    new Gauge({
      name: 'bosun_tasks',
      help: 'Tasks in the database, by state and type',
      labelNames: ['state', 'type'],
      registers,
      async collect() {
        const res = await knex.raw<{ rows: Array<{ state: string; type: string; n: number }> }>(
          'select state, type, count(*)::int as n from tasks group by state, type',
        );
        this.reset();
        for (const r of res.rows) this.set({ state: r.state, type: r.type }, Number(r.n));
      },
    });
    new Gauge({
      name: 'bosun_queue_depth',
      help: 'Queued tasks waiting in each serial queue',
      labelNames: ['queue'],
      registers,
      async collect() {
        const res = await knex.raw<{ rows: Array<{ queue: string; n: number }> }>(
          `select queue_name as queue, count(*)::int as n from tasks
            where state = 'queued' and queue_name is not null group by queue_name`,
        );
        this.reset();
        for (const r of res.rows) this.set({ queue: r.queue }, Number(r.n));
      },
    });
    new Gauge({
      name: 'bosun_node_alive',
      help: 'Whether this node says it is alive (its heartbeat is recent) and its runner claims tasks',
      registers,
      collect() {
        const fresh = Date.now() - s.lastHeartbeatAt() < s.timeoutSeconds * 1000;
        this.set(fresh && s.runner.claiming ? 1 : 0);
      },
    });
    new Gauge({
      name: 'bosun_node_heartbeat_age_seconds',
      help: 'Seconds since this node last said it was alive',
      registers,
      collect() {
        this.set((Date.now() - s.lastHeartbeatAt()) / 1000);
      },
    });
    new Gauge({
      name: 'bosun_runner_workers',
      help: "This node's workers, and those running a task",
      labelNames: ['state'],
      registers,
      collect() {
        const w = s.runner.workers;
        this.set({ state: 'busy' }, w.busy);
        this.set({ state: 'idle' }, Math.max(0, w.total - w.busy));
      },
    });
    new Gauge({
      name: 'bosun_log_followers',
      help: 'Clients following task logs live on this node',
      registers,
      collect() {
        this.set(s.followed().followers);
      },
    });
    new Gauge({
      name: 'bosun_db_pool_connections',
      help: 'Database pool connections by state (PostgreSQL; the embedded database has no pool)',
      labelNames: ['state'],
      registers,
      collect() {
        const pool = (knex.client as { pool?: TarnPool }).pool;
        this.reset();
        if (s.db.backend !== 'postgres' || !pool) return;
        this.set({ state: 'used' }, pool.numUsed());
        this.set({ state: 'free' }, pool.numFree());
        this.set({ state: 'pending' }, pool.numPendingAcquires() + pool.numPendingCreates());
      },
    });
    const dockerUp = new Gauge({
      name: 'bosun_docker_up',
      help: 'Whether the Docker engine answered the last scrape',
      registers,
    });
    new Gauge({
      name: 'bosun_docker_containers',
      help: 'Containers bosun made for this node on the Docker engine, by role and state',
      labelNames: ['role', 'state'],
      registers,
      async collect() {
        this.reset();
        try {
          const list = await withTimeout(
            s.docker.listContainers({
              all: true,
              filters: { label: [`${LABELS.managed}=true`, `${LABELS.nodeId}=${s.nodeId}`] },
            }),
            DOCKER_TIMEOUT_MS,
          );
          dockerUp.set(1);
          for (const c of list) this.inc({ role: roleOf(c.Labels ?? {}), state: c.State ?? 'unknown' });
        } catch {
          dockerUp.set(0);
        }
      },
    });
  }
}

interface TarnPool {
  numUsed(): number;
  numFree(): number;
  numPendingAcquires(): number;
  numPendingCreates(): number;
}

/** What a container is for: an instance's VM, one kept by a family (a provisioned node), or a task's own. */
export function roleOf(labels: Record<string, string>): string {
  if (labels[LABELS.deployment]) return 'instance';
  if (labels[LABELS.keptBy]) return `kept:${labels[LABELS.keptBy]}`;
  if (labels[LABELS.taskId]) return 'task';
  return 'other';
}

function withTimeout<T>(p: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  return Promise.race([
    p,
    new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error('timed out')), ms))),
  ]).finally(() => clearTimeout(timer));
}
