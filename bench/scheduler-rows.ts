import pino from 'pino';
import { z } from 'zod';
import crypto from 'node:crypto';
import { UserStore } from '../src/auth/user-store';
import { connectDockerEngine } from '../src/docker/docker-engine';
import { SecretStore } from '../src/secrets/secret-store';
import { loadConfig } from '../src/config/load-config';
import { Backend, Database, openDatabase } from '../src/db/database';
import { TASKS_CHANNEL } from '../src/db/notifier';
import { migrateToLatest } from '../src/db/migrate';
import type { Family, ScheduledOperation } from '../src/families/family';
import { schedulerFamily } from '../src/families/scheduler/family';
import { defineOperation, OperationRegistry } from '../src/runner/operation';
import { TaskRunner } from '../src/runner/task-runner';
import { TaskService } from '../src/tasks/task-service';
import { CoreBench } from './core';
import { median, percentile, sleep } from './stats';
import type { RawRows } from '../src/db/row-values';

const log = pino({ level: 'silent' });

/**
 * One bosun node in this process, as the daemon wires it: its own database pool and notifier, a task
 * service dispatching to its runner, and the scheduler family with the daemon's defaults. Its one
 * schedulable operation, `bench_noop`, queues a task whose operation writes a stage and a result line
 * (as the core bench's), and notes when it began.
 */
class SchedulerNode {
  db!: Database;
  private runner!: TaskRunner;
  private family!: Family;
  /** Task id → wall-clock time (ms) its operation began. */
  readonly opStarted = new Map<number, number>();

  constructor(
    readonly nodeId: string,
    private readonly backend: Backend,
    private readonly url: string,
    private readonly workers: number,
    private readonly shared?: Database,
  ) {}

  async start(): Promise<void> {
    this.db =
      this.shared ??
      (await openDatabase({
        url: this.backend === 'postgres' ? this.url : null,
        dataDir: '',
        inMemory: true,
        poolSize: 10,
        log,
      }));
    const tasks = new TaskService(this.db);
    const noop = defineOperation({
      type: 'bench_noop',
      params: z.object({}).passthrough(),
      run: async (_p, ctx) => {
        this.opStarted.set(ctx.task.id, Date.now());
        await ctx.beginStage('Bench', 1).step('noop', () => undefined);
        await ctx.result({ ok: true });
        return 'ok';
      },
    });
    this.runner = new TaskRunner(
      this.db,
      new OperationRegistry([noop]),
      {
        nodeId: this.nodeId,
        workers: this.workers,
        pollIntervalMs: 2000,
        checkpointIntervalMs: 5000,
        timeoutSeconds: 30,
      },
      log,
    );
    await this.runner.start();
    tasks.dispatchTo(this.runner);
    const scheduled: ScheduledOperation = {
      name: 'bench_noop',
      params: z.object({}).strict(),
      plan: (_p, run) => ({
        task: {
          type: 'bench_noop',
          description: 'scheduled',
          username: run.username,
          pinnedNodeId: run.pinnedNodeId,
          params: {},
        },
      }),
    };
    this.family = schedulerFamily({
      config: loadConfig({ env: { BOSUN_NODE_ID: this.nodeId } }),
      db: this.db,
      tasks,
      users: new UserStore([]),
      docker: connectDockerEngine(),
      secrets: new SecretStore(this.db.knex, crypto.randomBytes(32)),
      log,
      schedulable: () => [scheduled],
    });
    await this.family.start!();
  }

  async stop(): Promise<void> {
    await this.family.stop!();
    await this.runner.stop(5000);
    if (!this.shared) await this.db.close();
  }
}

export interface FireLatency {
  configs: number;
  nodes: number;
  /** ms from the tick (`fire_at`) to the run stored, its task stored, the task `processing` (`started_at`), its operation begun. */
  stored: { p50: number; p99: number; max: number };
  queued: { p50: number; p99: number; max: number };
  processing: { p50: number; p99: number; max: number };
  operation: { p50: number; p99: number; max: number };
  /** Runs started within 1 s of their tick. */
  within1s: number;
  /** (config, tick) pairs with more than one run, configs without exactly one run, runs never started. */
  twice: number;
  notOnce: number;
  notStarted: number;
  perNode: Record<string, number>;
}

const spread = (xs: number[]) => ({ p50: median(xs), p99: percentile(xs, 99), max: Math.max(...xs) });

/**
 * Configs that all fire on one tick a few seconds ahead: `run_at` is that second of every day (6
 * fields), and `next_run_at` is set to it in SQL, as the API would have computed it. The scheduler loops
 * are woken as a config change wakes them; then their timers fire at the tick.
 */
async function fillDueConfigs(db: Database, count: number, leadMs: number): Promise<Date> {
  const tick = new Date(Math.ceil((Date.now() + leadMs) / 1000) * 1000);
  const runAt = `${tick.getUTCSeconds()} ${tick.getUTCMinutes()} ${tick.getUTCHours()} * * *`;
  await db.knex.raw<RawRows>(
    `insert into scheduler_job_configs (id, name, operation, params, run_at, next_run_at, created_by)
     select gen_random_uuid(), 'bench ' || i, 'bench_noop', '{}'::jsonb, ?, ?, 'admin' from generate_series(1, ?) i`,
    [runAt, tick, count],
  );
  await db.knex.raw<RawRows>('analyze scheduler_job_configs');
  if (db.notifier.viaDatabase) await db.knex.raw<RawRows>('select pg_notify(?, ?)', [TASKS_CHANNEL, 'schedule']);
  else db.notifier.publish({ kind: 'schedule' });
  return tick;
}

/** Empties the scheduler's and the task core's tables. */
async function emptyTables(db: Database): Promise<void> {
  await db.knex.raw<RawRows>(
    'truncate scheduler_runs, scheduler_job_configs, task_logs, tasks restart identity cascade',
  );
}

/**
 * Row 8: `count` configs due on the same tick with `nodeIds.length` nodes sharing the database, each
 * with `workers` workers; from the tick to each run's task starting, and the checks that every tick ran
 * exactly once and every run started.
 */
export async function fireLatency(
  backend: Backend,
  url: string,
  count: number,
  nodeIds: string[],
  workers: number,
  timeoutMs = 600_000,
): Promise<FireLatency> {
  const first = await openDatabase({
    url: backend === 'postgres' ? url : null,
    dataDir: '',
    inMemory: true,
    poolSize: 4,
    log,
  });
  await migrateToLatest(first.knex);
  await emptyTables(first);
  // The embedded database is one process's: its nodes share it (one node is the fair case there).
  const nodes = nodeIds.map(
    (id) => new SchedulerNode(id, backend, url, workers, backend === 'embedded' ? first : undefined),
  );
  try {
    for (const n of nodes) await n.start();
    await sleep(500);
    const tick = await fillDueConfigs(first, count, 3000);
    await sleep(Math.max(0, tick.getTime() - Date.now()));
    const deadline = Date.now() + timeoutMs;
    // Until every config has moved past the tick and every run has its task, ended.
    for (;;) {
      const [{ due, unstarted, running }] = (
        await first.knex.raw<RawRows<{ due: string; unstarted: string; running: string }>>(
          `select (select count(*) from scheduler_job_configs where next_run_at <= ?) as due,
                  (select count(*) from scheduler_runs where task_id is null and status is null) as unstarted,
                  (select count(*) from tasks where state in ('queued', 'processing')) as running`,
          [tick],
        )
      ).rows;
      if (Number(due) + Number(unstarted) + Number(running) === 0 || Date.now() > deadline) break;
      await sleep(100);
    }
    const rows: Array<Record<string, unknown>> = (
      await first.knex.raw<RawRows>(
        `select r.config_id, r.task_id, t.node_id,
                extract(epoch from r.fire_at) * 1000 as fire_ms,
                extract(epoch from r.created_at - r.fire_at) * 1000 as stored_ms,
                extract(epoch from t.created_at - r.fire_at) * 1000 as queued_ms,
                extract(epoch from t.started_at - r.fire_at) * 1000 as processing_ms
           from scheduler_runs r left join tasks t on t.id = r.task_id where r.trigger = 'schedule'`,
      )
    ).rows;
    const twice = Number(
      (
        await first.knex.raw<RawRows>(
          `select count(*) as n from (select 1 from scheduler_runs group by config_id, fire_at having count(*) > 1) d`,
        )
      ).rows[0].n,
    );
    const notOnce = Number(
      (
        await first.knex.raw<RawRows>(
          `select count(*) as n from scheduler_job_configs c where (select count(*) from scheduler_runs r where r.config_id = c.id) <> 1`,
        )
      ).rows[0].n,
    );
    const started = rows.filter((r) => r.processing_ms !== null);
    const opStarts = new Map<number, number>();
    for (const n of nodes) for (const [id, at] of n.opStarted) opStarts.set(id, at);
    const perNode: Record<string, number> = {};
    for (const r of started) perNode[String(r.node_id)] = (perNode[String(r.node_id)] ?? 0) + 1;
    const processing = started.map((r) => Number(r.processing_ms));
    return {
      configs: count,
      nodes: nodes.length,
      stored: spread(rows.map((r) => Number(r.stored_ms))),
      queued: spread(started.map((r) => Number(r.queued_ms))),
      processing: spread(processing),
      operation: spread(
        started
          .filter((r) => opStarts.has(Number(r.task_id)))
          .map((r) => opStarts.get(Number(r.task_id))! - Number(r.fire_ms)),
      ),
      within1s: processing.filter((ms) => ms <= 1000).length,
      twice,
      notOnce,
      notStarted: count - started.length,
      perNode,
    };
  } finally {
    for (const n of nodes) await n.stop().catch(() => undefined);
    await first.close();
  }
}

/**
 * 100,000 configs the scheduler never fires: half disabled (no next run), half due next year. This is
 * what a table of idle schedules holds; `vacuum analyze` as autovacuum would after such an insert.
 */
async function fillIdleConfigs(db: Database, count: number): Promise<void> {
  const farFuture = new Date(Date.UTC(new Date().getUTCFullYear() + 1, 0, 1));
  await db.knex.raw<RawRows>(
    `insert into scheduler_job_configs (id, name, operation, params, run_at, disabled, next_run_at, created_by)
     select gen_random_uuid(), 'idle ' || i, 'bench_noop', '{}'::jsonb, '0 0 1 1 *', i % 2 = 0,
            case when i % 2 = 0 then null else ?::timestamptz end, 'admin'
       from generate_series(1, ?) i`,
    [farFuture, count],
  );
  await db.knex.raw<RawRows>('vacuum analyze scheduler_job_configs');
}

/** Swaps the schedule table with its empty twin (renames, in one transaction): the scheduler's next look sees the other. */
async function swapScheduleTables(db: Database): Promise<void> {
  await db.knex.transaction(async (trx) => {
    await trx.raw('alter table scheduler_job_configs rename to scheduler_job_configs_swap');
    await trx.raw('alter table scheduler_job_configs_twin rename to scheduler_job_configs');
    await trx.raw('alter table scheduler_job_configs_swap rename to scheduler_job_configs_twin');
  });
}

type Spread = { p50: number; p99: number };

export interface IdleTableCost {
  empty: { p50: number; p99: number; otherP50: number; otherP99: number };
  full: { p50: number; p99: number; otherP50: number; otherP99: number };
  /** The lowest and highest of the blocks' p50 ratios (full over empty, pickup here): the noise of one block. */
  blockRatios: { min: number; max: number };
}

/**
 * Row 9: row 1's pickup (local and queued on another node) with the scheduler's loop running on the
 * same database, its table empty and holding `idle` configs it never fires. The table is filled once;
 * the two cases then alternate in `blocks` short blocks (ABBA order) by swapping the filled table with an
 * empty twin, so that both cases see the same drift of a shared machine's speed, and the samples of a
 * case are pooled. (Refilling the table for each case, as this row first did, took seconds a time: too
 * few alternations, and the ratio of two medians of a few ms wandered from 0.6 to 1.6 between runs.)
 * The loop polls every `pollMs` (the daemon: 10 s), so that it looks at its table many times while
 * pickup is measured.
 */
export async function idleTableCost(
  backend: Backend,
  url: string,
  idle: number,
  blocks: number,
  samplesPerBlock: number,
  workers: number,
  pollMs: number,
): Promise<IdleTableCost> {
  const core = new CoreBench(backend, url, workers);
  await core.start();
  const db = core.database;
  const family = schedulerFamily(
    {
      config: loadConfig({ env: { BOSUN_NODE_ID: 'bench' } }),
      db,
      tasks: new TaskService(db),
      users: new UserStore([]),
      docker: connectDockerEngine(),
      secrets: new SecretStore(db.knex, crypto.randomBytes(32)),
      log,
      schedulable: () => [],
    },
    { pollMs },
  );
  const times = {
    empty: { here: [] as number[], other: [] as number[] },
    full: { here: [] as number[], other: [] as number[] },
  };
  const ratios: number[] = [];
  // Where the idle configs are: in the table the scheduler reads (the full case), or in its twin.
  let rowsIn: 'scheduler_job_configs' | 'twin' = 'scheduler_job_configs';
  try {
    await db.knex.raw('truncate scheduler_runs, scheduler_job_configs');
    await db.knex.raw('drop table if exists scheduler_job_configs_twin');
    await db.knex.raw('create table scheduler_job_configs_twin (like scheduler_job_configs including all)');
    await fillIdleConfigs(db, idle);
    if (backend === 'postgres') await db.knex.raw('checkpoint');
    await family.start!();
    await core.pickupTimes(0, 50);
    await core.pickupTimes(0, 50, true);
    for (let b = 0; b < blocks; b++) {
      const block: Partial<Record<'empty' | 'full', number>> = {};
      for (const which of b % 2 === 0 ? (['empty', 'full'] as const) : (['full', 'empty'] as const)) {
        const wanted = which === 'full' ? 'scheduler_job_configs' : 'twin';
        if (rowsIn !== wanted) {
          await swapScheduleTables(db);
          rowsIn = wanted;
          // The loop's next pass reads the table now in place.
          await sleep(2 * pollMs);
        }
        const here = await core.pickupTimes(samplesPerBlock, 5);
        times[which].here.push(...here);
        times[which].other.push(...(await core.pickupTimes(samplesPerBlock, 5, true)));
        block[which] = median(here);
      }
      ratios.push(block.full! / block.empty!);
    }
  } finally {
    await family.stop!();
    if (rowsIn === 'twin') await swapScheduleTables(db).catch(() => undefined);
    await db.knex.raw('drop table if exists scheduler_job_configs_twin').catch(() => undefined);
    await db.knex.raw('truncate scheduler_job_configs').catch(() => undefined);
    await core.stop();
  }
  const spread = (xs: number[]): Spread => ({ p50: median(xs), p99: percentile(xs, 99) });
  const agg = (c: { here: number[]; other: number[] }) => {
    const here = spread(c.here);
    const other = spread(c.other);
    return { p50: here.p50, p99: here.p99, otherP50: other.p50, otherP99: other.p99 };
  };
  return {
    empty: agg(times.empty),
    full: agg(times.full),
    blockRatios: { min: Math.min(...ratios), max: Math.max(...ratios) },
  };
}
