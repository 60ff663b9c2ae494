import pg from 'pg';
import { Logger, run, Runner } from 'graphile-worker';
import { percentile, median, sleep } from './stats';

/**
 * graphile-worker on the same PostgreSQL, run in this process as its own latency test does: a
 * `latency` task that resolves a waiter, and a no-op task that counts.
 */
export class GraphileBench {
  private runner!: Runner;
  private pool!: pg.Pool;
  private workerPool!: pg.Pool;
  private readonly waiters = new Map<number, () => void>();
  private readonly startedAt = new Map<number, number>();
  private done = 0;

  constructor(
    private readonly url: string,
    private readonly concurrency: number,
  ) {}

  async start(): Promise<void> {
    this.pool = new pg.Pool({ connectionString: this.url, max: 20 });
    this.workerPool = new pg.Pool({ connectionString: this.url, max: this.concurrency + 2 });
    for (const pool of [this.pool, this.workerPool]) {
      const report = (err: Error) => console.error(`graphile-worker bench pool: ${err.message}`);
      pool.on('error', report);
      pool.on('connect', (client) => client.on('error', report));
    }
    this.runner = await run({
      pgPool: this.workerPool,
      concurrency: this.concurrency,
      noHandleSignals: true,
      pollInterval: 2000,
      logger: new Logger(() => () => undefined),
      taskList: {
        latency: (payload) => {
          const n = (payload as { n: number }).n;
          this.startedAt.set(n, performance.now());
          this.waiters.get(n)?.();
        },
        noop: () => {
          this.done++;
        },
      },
    });
    await this.pool.query('delete from graphile_worker._private_jobs');
  }

  /** From just before `add_job` to the task function starting, one job at a time (ms). */
  async pickup(samples: number, warmup: number): Promise<{ p50: number; p99: number }> {
    const client = await this.pool.connect();
    const times: number[] = [];
    try {
      for (let n = 0; n < samples + warmup; n++) {
        const t0 = performance.now();
        await client.query(`select graphile_worker.add_job('latency', json_build_object('n', $1::int))`, [n]);
        if (!this.startedAt.has(n)) await new Promise<void>((resolve) => this.waiters.set(n, resolve));
        if (n >= warmup) times.push(this.startedAt.get(n)! - t0);
        this.waiters.delete(n);
        this.startedAt.delete(n);
      }
    } finally {
      client.release();
    }
    return { p50: median(times), p99: percentile(times, 99) };
  }

  /** `jobs` no-op jobs added by `producers` concurrent clients, until all have run (jobs/s). */
  async throughput(jobs: number, producers: number): Promise<number> {
    this.done = 0;
    const t0 = performance.now();
    let added = 0;
    await Promise.all(
      Array.from({ length: producers }, async () => {
        while (added < jobs) {
          added++;
          await this.pool.query(`select graphile_worker.add_job('noop', '{}'::json)`);
        }
      }),
    );
    while (this.done < jobs) await sleep(2);
    return jobs / ((performance.now() - t0) / 1000);
  }

  async stop(): Promise<void> {
    await this.runner.stop();
    await this.pool.end();
    await this.workerPool.end();
  }
}
