/**
 * npm run bench: pickup latency, throughput of a no-op task, and tail reads of a small against a large
 * log, on PostgreSQL and on the embedded database. Prints a table and writes bench/results.json.
 * (Issue 5's comparisons with graphile-worker and raw Docker are not here yet.)
 */
import fs from 'node:fs';
import path from 'node:path';
import pg from 'pg';
import pino from 'pino';
import { z } from 'zod';
import { Database, openDatabase } from '../src/db/database';
import { migrateToLatest } from '../src/db/migrate';
import { defineOperation, OperationRegistry } from '../src/runner/operation';
import { TaskRunner } from '../src/runner/task-runner';
import { TaskService } from '../src/tasks/task-service';

const PG_URL = process.env.BOSUN_BENCH_DATABASE_URL ?? 'postgres://root@127.0.0.1:5432/bosun_bench';
const log = pino({ level: 'silent' });

const percentile = (xs: number[], p: number) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor((p / 100) * xs.length))];
const median = (xs: number[]) => percentile(xs, 50);

async function ensurePgDatabase(url: string): Promise<void> {
  const u = new URL(url);
  const name = u.pathname.slice(1);
  u.pathname = '/postgres';
  const c = new pg.Client({ connectionString: u.toString() });
  await c.connect();
  const exists = await c.query('select 1 from pg_database where datname = $1', [name]);
  if (!exists.rowCount) await c.query(`create database "${name}"`);
  await c.end();
}

async function open(backend: 'postgres' | 'embedded'): Promise<Database> {
  if (backend === 'postgres') await ensurePgDatabase(PG_URL);
  const db = await openDatabase({ url: backend === 'postgres' ? PG_URL : null, dataDir: '', inMemory: true, poolSize: 10, log });
  await migrateToLatest(db.knex);
  await db.knex.raw('truncate task_logs, tasks restart identity cascade');
  return db;
}

async function measure(backend: 'postgres' | 'embedded') {
  const db = await open(backend);
  const tasks = new TaskService(db);
  const started = new Map<number, number>();
  const noop = defineOperation({
    type: 'bench_noop',
    params: z.object({}).passthrough(),
    async run(_p, ctx) {
      started.set(ctx.task.id, performance.now());
      await ctx.beginStage('Bench', 1).step('noop', async () => undefined);
      await ctx.result({ ok: true });
      return 'ok';
    },
  });
  const runner = new TaskRunner(db, new OperationRegistry([noop]), { nodeId: 'bench', workers: 8, pollIntervalMs: 2000, checkpointIntervalMs: 5000, timeoutSeconds: 30 }, log);
  await runner.start();

  // 1. Pickup latency: queue one task at a time, time until its operation starts.
  const latencies: number[] = [];
  for (let i = 0; i < 300; i++) {
    const t0 = performance.now();
    const t = await tasks.enqueue({ type: 'bench_noop', description: 'latency' });
    while (!started.has(t.id)) await new Promise((r) => setImmediate(r));
    if (i >= 20) latencies.push(started.get(t.id)! - t0);
  }

  // 2. Throughput: N tasks queued by 16 concurrent producers, each run to done with its logs.
  const N = backend === 'postgres' ? 3000 : 1000;
  const t0 = performance.now();
  let queued = 0;
  await Promise.all(
    Array.from({ length: 16 }, async () => {
      while (queued < N) {
        queued++;
        await tasks.enqueue({ type: 'bench_noop', description: 'throughput' });
      }
    }),
  );
  for (;;) {
    const left = await db.knex('tasks').whereIn('state', ['queued', 'processing']).count({ n: '*' });
    if (Number(left[0].n) === 0) break;
    await new Promise((r) => setTimeout(r, 20));
  }
  const throughput = N / ((performance.now() - t0) / 1000);
  await runner.stop(5000);

  // 4. Tail reads: the last 4 KB of a 1 KB log against a large one.
  const small = await tasks.enqueue({ type: 'bench_none', description: 'small log' });
  const large = await tasks.enqueue({ type: 'bench_none', description: 'large log' });
  const ws = await tasks.openLog(small.id, 'debug');
  await ws.write('x'.repeat(1024));
  const largeBytes = backend === 'postgres' ? 256 * 1024 * 1024 : 64 * 1024 * 1024;
  const wl = await tasks.openLog(large.id, 'debug');
  const chunk = Buffer.alloc(1024 * 1024, 'y');
  for (let written = 0; written < largeBytes; written += chunk.length) await wl.write(chunk);
  const tail = async (id: number) => {
    const size = (await tasks.logs.size(id, 'debug'))!;
    const times: number[] = [];
    for (let i = 0; i < 200; i++) {
      const s = performance.now();
      const from = Math.max(0, size - 4096);
      for await (const _ of tasks.logs.read(id, 'debug', from, size)) void _;
      times.push(performance.now() - s);
    }
    return median(times);
  };
  const tailSmall = await tail(small.id);
  const tailLarge = await tail(large.id);
  await db.close();
  return {
    backend,
    pickup_p50_ms: median(latencies),
    pickup_p99_ms: percentile(latencies, 99),
    noop_tasks_per_s: throughput,
    tail_4k_of_1k_log_ms: tailSmall,
    [`tail_4k_of_${largeBytes / 1024 / 1024}MB_log_ms`]: tailLarge,
    tail_ratio: tailLarge / tailSmall,
    rss_mb: process.memoryUsage().rss / 1e6,
  };
}

async function main() {
  const results = [];
  for (const backend of ['postgres', 'embedded'] as const) results.push(await measure(backend));
  for (const r of results) {
    console.log(`\n${r.backend}`);
    for (const [k, v] of Object.entries(r)) if (k !== 'backend') console.log(`  ${k.padEnd(28)} ${typeof v === 'number' ? v.toFixed(2) : v}`);
  }
  const out = path.join(__dirname, '..', '..', 'bench', 'results.json');
  fs.writeFileSync(out, `${JSON.stringify({ at: new Date().toISOString(), results }, null, 2)}\n`);
  console.log(`\nwritten ${out}`);
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
