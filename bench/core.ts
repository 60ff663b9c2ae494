import pino from 'pino';
import { z } from 'zod';
import { Backend, Database, openDatabase } from '../src/db/database';
import { migrateToLatest } from '../src/db/migrate';
import { defineOperation, OperationRegistry } from '../src/runner/operation';
import { TaskRunner } from '../src/runner/task-runner';
import { TaskService } from '../src/tasks/task-service';
import { median, percentile, sleep } from './stats';
import type { RawRows } from '../src/db/row-values';

const log = pino({ level: 'silent' });

/**
 * bosun's task core in this process, as graphile-worker's latency test runs graphile-worker: a runner
 * with a no-op operation that writes its stage events and a result line, on either back end.
 */
export class CoreBench {
  private db!: Database;
  private tasks!: TaskService;
  /** Queues as another node's API would: the task reaches this runner through NOTIFY and a claim. */
  private elsewhere!: TaskService;
  private runner!: TaskRunner;
  private readonly waiters = new Map<number, () => void>();
  private readonly startedAt = new Map<number, number>();

  constructor(
    private readonly backend: Backend,
    private readonly url: string,
    private readonly workers: number,
  ) {}

  /** The database this bench's runner uses, for rows that add work of their own beside it. */
  get database(): Database {
    return this.db;
  }

  async start(): Promise<void> {
    this.db = await openDatabase({
      url: this.backend === 'postgres' ? this.url : null,
      dataDir: '',
      inMemory: true,
      poolSize: 10,
      log,
    });
    await migrateToLatest(this.db.knex);
    await this.db.knex.raw<RawRows>('truncate task_logs, tasks restart identity cascade');
    this.tasks = new TaskService(this.db);
    this.elsewhere = new TaskService(this.db);
    const noop = defineOperation({
      type: 'bench_noop',
      params: z.object({}).passthrough(),
      run: async (_p, ctx) => {
        if (ctx.task.description === 'latency') {
          this.startedAt.set(ctx.task.id, performance.now());
          this.waiters.get(ctx.task.id)?.();
        }
        await ctx.beginStage('Bench', 1).step('noop', () => undefined);
        await ctx.result({ ok: true });
        return 'ok';
      },
    });
    const registry = new OperationRegistry([noop]);
    this.runner = new TaskRunner(
      this.db,
      registry,
      { nodeId: 'bench', workers: this.workers, pollIntervalMs: 2000, checkpointIntervalMs: 5000, timeoutSeconds: 30 },
      log,
    );
    await this.runner.start();
    // As the daemon wires them: tasks queued here start here while a worker is free.
    this.tasks.dispatchTo(this.runner);
  }

  /**
   * From just before the enqueue call to the operation starting, one task at a time (ms): queued on this
   * runner's node, or (`elsewhere`) as on another node, so that it comes through NOTIFY and a claim.
   */
  async pickup(samples: number, warmup: number, elsewhere = false): Promise<{ p50: number; p99: number }> {
    const times = await this.pickupTimes(samples, warmup, elsewhere);
    return { p50: median(times), p99: percentile(times, 99) };
  }

  /** `pickup`'s samples themselves, for rows that pool them across several runs. */
  async pickupTimes(samples: number, warmup: number, elsewhere = false): Promise<number[]> {
    const times: number[] = [];
    const tasks = elsewhere ? this.elsewhere : this.tasks;
    for (let n = 0; n < samples + warmup; n++) {
      const t0 = performance.now();
      const task = await tasks.enqueue({ type: 'bench_noop', description: 'latency' });
      // The operation may start before the enqueue's answer arrives: then its start time is there already.
      if (!this.startedAt.has(task.id)) await new Promise<void>((resolve) => this.waiters.set(task.id, resolve));
      if (n >= warmup) times.push(this.startedAt.get(task.id)! - t0);
      this.waiters.delete(task.id);
      this.startedAt.delete(task.id);
    }
    return times;
  }

  /** `count` no-op tasks queued by `producers` concurrent clients, each run to done with its logs (tasks/s). */
  async throughput(count: number, producers: number): Promise<number> {
    const t0 = performance.now();
    let queued = 0;
    await Promise.all(
      Array.from({ length: producers }, async () => {
        while (queued < count) {
          queued++;
          await this.tasks.enqueue({ type: 'bench_noop', description: 'throughput' });
        }
      }),
    );
    for (;;) {
      const left = await this.db.knex('tasks').whereIn('state', ['queued', 'processing']).count({ n: '*' });
      if (Number(left[0].n) === 0) break;
      await sleep(5);
    }
    return count / ((performance.now() - t0) / 1000);
  }

  async stop(): Promise<void> {
    await this.runner.stop(5000);
    await this.db.close();
  }
}
