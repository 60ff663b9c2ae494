/**
 * npm run bench: bosun against graphile-worker and raw Docker, side by side in one run, on PostgreSQL
 * (and the first rows on the embedded database). Prints a table and writes bench/results.json.
 * BENCH_QUICK=1 runs every row with small counts (a check that the bench works, not figures).
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Docker from 'dockerode';
import knexFactory from 'knex';
import { CoreBench } from './core';
import { BenchDaemon } from './daemon-process';
import { DaemonRows } from './daemon-rows';
import { DrydockRows } from './drydock';
import { GraphileBench } from './graphile';
import { ensurePgDatabase, serverVersion } from './postgres';
import { removeBenchContainers } from './raw-docker';
import { median } from './stats';
import { TaskFinishes } from './task-finishes';
import { templateRenderOverhead } from './template-render';
import { Row, printTable } from './table';

const PG_URL = process.env.BOSUN_BENCH_DATABASE_URL ?? 'postgres://root@127.0.0.1:5432/bosun_bench';
const IMAGE = process.env.BOSUN_TEST_IMAGE ?? 'bosun-test/busybox:latest';
const QUICK = process.env.BENCH_QUICK === '1';
const N = {
  reps: QUICK ? 1 : 3,
  pickupSamples: QUICK ? 30 : 200,
  throughputTasks: QUICK ? 200 : 2000,
  warmupTasks: QUICK ? 100 : 1000,
  clients: 16,
  workers: 8,
  containerRuns: QUICK ? 2 : 10,
  containerBatches: QUICK ? 1 : 5,
  outputMb: QUICK ? 20 : 200,
  largeLogBytes: (QUICK ? 64 : 1024) * 1024 * 1024,
  manyTasks: QUICK ? 20_000 : 1_000_000,
  listReps: QUICK ? 20 : 200,
  templateReps: QUICK ? 20 : 500,
  tailingClients: QUICK ? 20 : 200,
  drydockNodes: 20,
  drydockReps: QUICK ? 1 : 3,
  buildDataRecords: [1_000, QUICK ? 10_000 : 100_000],
};
/** BENCH_ROWS=drydock runs rows 8 and 9 alone (the daemon on PostgreSQL, then the table). */
const DRYDOCK_ONLY = process.env.BENCH_ROWS === 'drydock';

const say = (s: string) => console.error(`bench: ${s}`);

async function main() {
  const started = Date.now();
  await ensurePgDatabase(PG_URL);
  const knex = knexFactory({ client: 'pg', connection: PG_URL, pool: { min: 0, max: 4 } });
  await knex.raw('drop schema if exists graphile_worker cascade; drop schema public cascade; create schema public');
  const runId = `${process.pid}`;
  const docker = new Docker();
  const rows: Row[] = [];

  // The daemon first, on an empty database: its idle memory.
  const daemon = new BenchDaemon(
    { BOSUN_DATABASE_URL: PG_URL, BOSUN_WORKERS: String(N.workers), BOSUN_NODE_ID: `bench-${runId}` },
    'tasks:\n  retention_per_type: 100000000\n',
  );
  await daemon.start();
  await new Promise((r) => setTimeout(r, 2000));
  const rssIdle = daemon.peakRssMb();
  const finishes = new TaskFinishes(PG_URL);
  await finishes.start();
  const d = new DaemonRows(daemon, knex, finishes, docker, IMAGE, runId);

  try {
    if (DRYDOCK_ONLY) {
      rows.push(...(await drydockRows(daemon, knex, docker, runId)));
      await finish(rows, started);
      return;
    }
    // Rows 1 and 2, alternating bosun and graphile-worker in each repetition.
    say('rows 1-2: pickup latency and throughput against graphile-worker');
    const core = new CoreBench('postgres', PG_URL, N.workers);
    await core.start();
    const graphile = new GraphileBench(PG_URL, N.workers);
    await graphile.start();
    const r12 = { bosunP50: [] as number[], bosunP99: [] as number[], otherP50: [] as number[], otherP99: [] as number[], gwP50: [] as number[], gwP99: [] as number[], http: [] as number[], core: [] as number[], gw: [] as number[] };
    daemon.resetPeak();
    // Warm-up, not counted: the daemon, bosun's runner and graphile-worker each run a first round of
    // tasks (JIT compilation, connections, TLS sessions, plans), as a long-running daemon has.
    await d.httpThroughput(N.warmupTasks, N.clients);
    await graphile.throughput(N.warmupTasks, N.clients);
    await core.throughput(N.warmupTasks, N.clients);
    for (let i = 0; i < N.reps; i++) {
      const b = await core.pickup(N.pickupSamples, 20);
      const o = await core.pickup(N.pickupSamples, 20, true);
      const g = await graphile.pickup(N.pickupSamples, 20);
      r12.bosunP50.push(b.p50);
      r12.bosunP99.push(b.p99);
      r12.otherP50.push(o.p50);
      r12.otherP99.push(o.p99);
      r12.gwP50.push(g.p50);
      r12.gwP99.push(g.p99);
      r12.http.push(await d.httpThroughput(N.throughputTasks, N.clients));
      r12.gw.push(await graphile.throughput(N.throughputTasks, N.clients));
      r12.core.push(await core.throughput(N.throughputTasks, N.clients));
    }
    const rssLoad = daemon.peakRssMb();
    await graphile.stop();
    await core.stop();
    const m = (xs: number[]) => median(xs);
    rows.push(
      { row: '1 pickup p50 (ms)', backend: 'postgres', bosun: m(r12.bosunP50), peer: m(r12.gwP50), peerName: 'graphile-worker', target: 'ratio <= 1.00', ok: m(r12.bosunP50) <= m(r12.gwP50) },
      { row: '1 pickup p99 (ms)', backend: 'postgres', bosun: m(r12.bosunP99), peer: m(r12.gwP99), peerName: 'graphile-worker' },
      { row: '1 pickup p50, queued on another node (ms)', backend: 'postgres', bosun: m(r12.otherP50), peer: m(r12.gwP50), peerName: 'graphile-worker' },
      { row: '1 pickup p99, queued on another node (ms)', backend: 'postgres', bosun: m(r12.otherP99), peer: m(r12.gwP99), peerName: 'graphile-worker' },
      { row: '2 throughput, HTTP clients (tasks/s)', backend: 'postgres', bosun: m(r12.http), peer: m(r12.gw), peerName: 'graphile-worker', target: 'ratio >= 1.00', ok: m(r12.http) >= m(r12.gw) },
      { row: '2 throughput, in process (tasks/s)', backend: 'postgres', bosun: m(r12.core), peer: m(r12.gw), peerName: 'graphile-worker' },
    );

    say('row 3: container overhead against dockerode');
    const c = await d.containerOverhead(N.containerRuns, N.containerBatches, 16);
    rows.push(
      { row: '3 busybox true, serial (ms)', backend: 'postgres', bosun: c.serial.bosun, peer: c.serial.raw, peerName: 'dockerode', target: 'ratio <= 1.10', ok: c.serial.bosun <= 1.1 * c.serial.raw },
      { row: '3 busybox true, concurrency 8 (ms/container)', backend: 'postgres', bosun: c.concurrent.bosun, peer: c.concurrent.raw, peerName: 'dockerode', target: 'ratio <= 1.10', ok: c.concurrent.bosun <= 1.1 * c.concurrent.raw },
    );

    say(`row 4: ${N.outputMb} MB of stdout`);
    const out = await d.bigOutput(N.outputMb);
    rows.push({ row: `4 ${N.outputMb} MB stdout until stored (ms)`, backend: 'postgres', bosun: out.bosun, peer: out.raw, peerName: 'dockerode, discarded' });

    say(`row 5: task list with 1,000 and ${N.manyTasks.toLocaleString('en')} tasks`);
    await knex.raw('truncate task_logs, container_jobs, tasks restart identity cascade');
    await d.fillTasks(1000);
    const few = await d.listLatency(N.listReps);
    await d.fillTasks(N.manyTasks);
    const many = await d.listLatency(N.listReps);
    rows.push(
      { row: '5 GET /tasks?limit=50 (ms)', backend: 'postgres', bosun: many.list, peer: few.list, peerName: `1k tasks (bosun: ${N.manyTasks / 1000}k)`, target: 'ratio <= 1.5', ok: many.list <= 1.5 * few.list },
      { row: '5 GET /tasks?limit=50&verbose=2 (ms)', backend: 'postgres', bosun: many.listAll, peer: few.listAll, peerName: `1k tasks (bosun: ${N.manyTasks / 1000}k)`, target: 'ratio <= 1.5', ok: many.listAll <= 1.5 * few.listAll },
      { row: '5 GET /tasks/:id (ms)', backend: 'postgres', bosun: many.one, peer: few.one, peerName: `1k tasks (bosun: ${N.manyTasks / 1000}k)`, target: 'ratio <= 1.5', ok: many.one <= 1.5 * few.one },
    );

    say(`row 4: tail reads of a 1 KB and a ${N.largeLogBytes / 1024 / 1024} MB log`);
    const small = await d.taskWithLog(1024);
    const large = await d.taskWithLog(N.largeLogBytes);
    const tail = await d.tailReads(small, large, N.listReps);
    rows.push({ row: `4 tail 4 KB of ${N.largeLogBytes / 1024 / 1024} MB log (ms)`, backend: 'postgres', bosun: tail.large, peer: tail.small, peerName: '1 KB log (bosun: large)', target: 'ratio <= 1.2', ok: tail.large <= 1.2 * tail.small });

    say(`row 6: memory with ${N.tailingClients} tailing clients`);
    daemon.resetPeak();
    const tailRequests = await d.tailingClients(large, N.tailingClients, QUICK ? 3000 : 10_000);
    const rssTailing = daemon.peakRssMb();
    rows.push(
      { row: '6 peak RSS idle (MB)', backend: 'postgres', bosun: rssIdle, target: '< 200', ok: rssIdle < 200 },
      { row: '6 peak RSS under row 2 load (MB)', backend: 'postgres', bosun: rssLoad, target: '< 200', ok: rssLoad < 200 },
      { row: `6 peak RSS, ${N.manyTasks / 1000}k tasks + ${N.tailingClients} tailing (MB)`, backend: 'postgres', bosun: rssTailing, note: `${tailRequests} tail reads`, target: '< 200', ok: rssTailing < 200 },
    );
    rows.push(...(await drydockRows(daemon, knex, docker, runId)));
  } finally {
    await finishes.stop();
    await daemon.stop();
    await removeBenchContainers(docker, runId);
    await knex.destroy();
  }

  say('rows 1-2 on the embedded database');
  const embedded = new CoreBench('embedded', '', N.workers);
  await embedded.start();
  const e = { p50: [] as number[], p99: [] as number[], tput: [] as number[] };
  for (let i = 0; i < N.reps; i++) {
    const p = await embedded.pickup(N.pickupSamples, 20);
    e.p50.push(p.p50);
    e.p99.push(p.p99);
    e.tput.push(await embedded.throughput(Math.min(N.throughputTasks, 1000), N.clients));
  }
  await embedded.stop();
  rows.push(
    { row: '1 pickup p50 (ms)', backend: 'embedded', bosun: median(e.p50) },
    { row: '1 pickup p99 (ms)', backend: 'embedded', bosun: median(e.p99) },
    { row: '2 throughput, in process (tasks/s)', backend: 'embedded', bosun: median(e.tput) },
  );

  say("row 7: one instance's templates rendered in-thread and through the renderer pool");
  const tpl = await templateRenderOverhead(N.templateReps);
  rows.push({ row: "7 render one instance's templates, worker pool (ms)", backend: 'none', bosun: tpl.pool, peer: tpl.inThread, peerName: 'in-thread', note: 'no database' });

  await finish(rows, started);
}

/** Rows 8 and 9: deploy_nodes of 20 nodes against dockerode; build-data latency as the table grows. */
async function drydockRows(daemon: BenchDaemon, knex: knexFactory.Knex, docker: Docker, runId: string): Promise<Row[]> {
  const dd = new DrydockRows(daemon, knex, docker, IMAGE, runId);
  try {
    say(`row 8: deploy_nodes of ${N.drydockNodes} nodes against creating and starting them with dockerode`);
    const bosun: number[] = [];
    const raw: number[] = [];
    for (let i = 0; i < N.drydockReps; i++) {
      const r = await dd.deploy(N.drydockNodes);
      say(`  deploy_nodes ${r.bosun.toFixed(0)} ms, dockerode ${r.raw.toFixed(0)} ms`);
      bosun.push(r.bosun);
      raw.push(r.raw);
    }
    const [few, many] = N.buildDataRecords;
    say(`row 9: build-data API with ${few.toLocaleString('en')} and ${many.toLocaleString('en')} records`);
    const small = await dd.buildDataLatency(few, N.listReps);
    const large = await dd.buildDataLatency(many, N.listReps);
    const k = (n: number) => `${n / 1000}k`;
    return [
      { row: `8 deploy_nodes, ${N.drydockNodes} nodes (ms)`, backend: 'postgres', bosun: median(bosun), peer: median(raw), peerName: 'dockerode create+start', target: 'ratio <= 1.3', ok: median(bosun) <= 1.3 * median(raw), note: 'bosun also collects 3 build-data records a node' },
      { row: `9 node builddata latest, ${k(many)} records (ms)`, backend: 'postgres', bosun: large.latest, peer: small.latest, peerName: `${k(few)} records`, target: 'ratio <= 1.2', ok: large.latest <= 1.2 * small.latest },
      { row: `9 node builddata all, ${k(many)} records (ms)`, backend: 'postgres', bosun: large.all, peer: small.all, peerName: `${k(few)} records`, target: 'ratio <= 1.2', ok: large.all <= 1.2 * small.all },
    ];
  } finally {
    await dd.cleanUp();
  }
}

async function finish(rows: Row[], started: number): Promise<void> {
  const machine = {
    cpus: os.cpus().length,
    model: os.cpus()[0]?.model ?? '',
    node: process.version,
    postgres: await serverVersion(PG_URL),
    quick: QUICK,
    settings: N,
    seconds: Math.round((Date.now() - started) / 1000),
  };
  printTable(rows, machine);
  const file = path.join(__dirname, '..', '..', 'bench', 'results.json');
  fs.writeFileSync(file, `${JSON.stringify({ at: new Date().toISOString(), machine, rows }, null, 2)}\n`);
  console.log(`\nwritten ${file}`);
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
