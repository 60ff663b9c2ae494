/**
 * npm run bench: bosun against graphile-worker and raw Docker, side by side in one run, on PostgreSQL
 * (and the first rows on the embedded database). Prints a table and writes bench/results.json.
 * BENCH_QUICK=1 runs every row with small counts (a check that the bench works, not figures).
 * BENCH_ONLY=scheduler runs only the scheduler's rows (8 and 9) and writes bench/results-scheduler.json;
 * BENCH_ONLY=drydock only Drydock's (11 and 12), writing bench/results-drydock.json; BENCH_ONLY=live only
 * row 13 (logs followed live), writing bench/results-live.json.
 * BENCH_ONLY=cleanup only row 14 (POST /cleanup with 10,000 tasks of its type stored), writing bench/results-cleanup.json.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Docker from 'dockerode';
import knexFactory from 'knex';
import { cleanupRows } from './cleanup-rows';
import { CoreBench } from './core';
import { BenchDaemon } from './daemon-process';
import { DaemonRows } from './daemon-rows';
import { DrydockRows } from './drydock';
import { GraphileBench } from './graphile';
import { CLI_POLL_MS, LiveLogRows, p50, p99 } from './live-logs';
import { ensurePgDatabase, serverVersion } from './postgres';
import { removeBenchContainers } from './raw-docker';
import { fireLatency, idleTableCost } from './scheduler-rows';
import { median } from './stats';
import { SyncsBench } from './syncs';
import { TaskFinishes } from './task-finishes';
import { templateRenderOverhead } from './template-render';
import { Row, printTable } from './table';
import type { RawRows } from '../src/db/row-values';

const PG_URL = process.env.BOSUN_BENCH_DATABASE_URL ?? 'postgres://root@127.0.0.1:5432/bosun_bench';
const IMAGE = process.env.BOSUN_TEST_IMAGE ?? 'bosun-test/busybox:latest';
const QUICK = process.env.BENCH_QUICK === '1';
const ONLY = process.env.BENCH_ONLY ?? '';
if (ONLY && !['scheduler', 'drydock', 'live', 'cleanup'].includes(ONLY)) {
  console.error(`bench: BENCH_ONLY=${ONLY}: the subsets are 'scheduler', 'drydock', 'live' and 'cleanup'`);
  process.exit(2);
}
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
  dueConfigs: QUICK ? 1000 : 10_000,
  embeddedDueConfigs: QUICK ? 200 : 1000,
  idleConfigs: QUICK ? 10_000 : 100_000,
  /** Row 9 alternates its two cases in this many blocks of this many pickups (each way) a block. */
  idleBlocks: QUICK ? 2 : 20,
  idleBlockSamples: QUICK ? 20 : 50,
  /** The scheduler's poll while row 9 runs (the daemon's is 10 s): it looks at its table often. */
  idlePollMs: 250,
  syncSamples: QUICK ? 5 : 30,
  drydockNodes: 20,
  drydockReps: QUICK ? 1 : 3,
  buildDataRecords: [1_000, QUICK ? 10_000 : 100_000],
  liveSamples: QUICK ? 30 : 200,
  liveFollowers: QUICK ? 100 : 1000,
  liveLogs: 20,
  liveSeconds: QUICK ? 5 : 15,
};

const say = (s: string) => console.error(`bench: ${s}`);

async function main() {
  const started = Date.now();
  await ensurePgDatabase(PG_URL);
  const knex = knexFactory({ client: 'pg', connection: PG_URL, pool: { min: 0, max: 4 } });
  await knex.raw<RawRows>(
    'drop schema if exists graphile_worker cascade; drop schema public cascade; create schema public',
  );
  if (ONLY === 'scheduler') {
    await knex.destroy();
    await report(await schedulerRows(), started, 'results-scheduler.json');
    return;
  }
  const runId = `${process.pid}`;
  if (ONLY === 'cleanup') {
    const settings = {
      workers: 10,
      clients: 10,
      round: QUICK ? 300 : 1500,
      stored: QUICK ? 2_000 : 10_000,
      retention: 2000,
      retentionIntervalSeconds: 5,
      reps: N.reps,
      runId,
    };
    const rows = await cleanupRows(PG_URL, knex, settings, say);
    await knex.destroy();
    await report(rows, started, 'results-cleanup.json');
    return;
  }
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
    if (ONLY === 'drydock') {
      rows.push(...(await drydockRows(daemon, knex, docker, runId)));
      await report(rows, started, 'results-drydock.json');
      return;
    }
    if (ONLY === 'live') {
      rows.push(...(await liveRows(daemon)));
      await report(rows, started, 'results-live.json');
      return;
    }
    // Rows 1 and 2, alternating bosun and graphile-worker in each repetition.
    say('rows 1-2: pickup latency and throughput against graphile-worker');
    const core = new CoreBench('postgres', PG_URL, N.workers);
    await core.start();
    const graphile = new GraphileBench(PG_URL, N.workers);
    await graphile.start();
    const r12 = {
      bosunP50: [] as number[],
      bosunP99: [] as number[],
      otherP50: [] as number[],
      otherP99: [] as number[],
      gwP50: [] as number[],
      gwP99: [] as number[],
      http: [] as number[],
      core: [] as number[],
      gw: [] as number[],
    };
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
      {
        row: '1 pickup p50 (ms)',
        backend: 'postgres',
        bosun: m(r12.bosunP50),
        peer: m(r12.gwP50),
        peerName: 'graphile-worker',
        target: 'ratio <= 1.00',
        ok: m(r12.bosunP50) <= m(r12.gwP50),
      },
      {
        row: '1 pickup p99 (ms)',
        backend: 'postgres',
        bosun: m(r12.bosunP99),
        peer: m(r12.gwP99),
        peerName: 'graphile-worker',
      },
      {
        row: '1 pickup p50, queued on another node (ms)',
        backend: 'postgres',
        bosun: m(r12.otherP50),
        peer: m(r12.gwP50),
        peerName: 'graphile-worker',
      },
      {
        row: '1 pickup p99, queued on another node (ms)',
        backend: 'postgres',
        bosun: m(r12.otherP99),
        peer: m(r12.gwP99),
        peerName: 'graphile-worker',
      },
      {
        row: '2 throughput, HTTP clients (tasks/s)',
        backend: 'postgres',
        bosun: m(r12.http),
        peer: m(r12.gw),
        peerName: 'graphile-worker',
        target: 'ratio >= 1.00',
        ok: m(r12.http) >= m(r12.gw),
      },
      {
        row: '2 throughput, in process (tasks/s)',
        backend: 'postgres',
        bosun: m(r12.core),
        peer: m(r12.gw),
        peerName: 'graphile-worker',
      },
    );

    say('row 3: container overhead against dockerode');
    const c = await d.containerOverhead(N.containerRuns, N.containerBatches, 16);
    rows.push(
      {
        row: '3 busybox true, serial (ms)',
        backend: 'postgres',
        bosun: c.serial.bosun,
        peer: c.serial.raw,
        peerName: 'dockerode',
        target: 'ratio <= 1.10',
        ok: c.serial.bosun <= 1.1 * c.serial.raw,
      },
      {
        row: '3 busybox true, concurrency 8 (ms/container)',
        backend: 'postgres',
        bosun: c.concurrent.bosun,
        peer: c.concurrent.raw,
        peerName: 'dockerode',
        target: 'ratio <= 1.10',
        ok: c.concurrent.bosun <= 1.1 * c.concurrent.raw,
      },
    );

    say(`row 4: ${N.outputMb} MB of stdout`);
    const out = await d.bigOutput(N.outputMb);
    rows.push({
      row: `4 ${N.outputMb} MB stdout until stored (ms)`,
      backend: 'postgres',
      bosun: out.bosun,
      peer: out.raw,
      peerName: 'dockerode, discarded',
    });

    say(`row 5: task list with 1,000 and ${N.manyTasks.toLocaleString('en')} tasks`);
    await knex.raw<RawRows>('truncate task_logs, container_jobs, tasks restart identity cascade');
    await d.fillTasks(1000);
    const few = await d.listLatency(N.listReps);
    await d.fillTasks(N.manyTasks);
    const many = await d.listLatency(N.listReps);
    rows.push(
      {
        row: '5 GET /tasks?limit=50 (ms)',
        backend: 'postgres',
        bosun: many.list,
        peer: few.list,
        peerName: `1k tasks (bosun: ${N.manyTasks / 1000}k)`,
        target: 'ratio <= 1.5',
        ok: many.list <= 1.5 * few.list,
      },
      {
        row: '5 GET /tasks?limit=50&verbose=2 (ms)',
        backend: 'postgres',
        bosun: many.listAll,
        peer: few.listAll,
        peerName: `1k tasks (bosun: ${N.manyTasks / 1000}k)`,
        target: 'ratio <= 1.5',
        ok: many.listAll <= 1.5 * few.listAll,
      },
      {
        row: '5 GET /tasks/:id (ms)',
        backend: 'postgres',
        bosun: many.one,
        peer: few.one,
        peerName: `1k tasks (bosun: ${N.manyTasks / 1000}k)`,
        target: 'ratio <= 1.5',
        ok: many.one <= 1.5 * few.one,
      },
    );

    say(`row 4: tail reads of a 1 KB and a ${N.largeLogBytes / 1024 / 1024} MB log`);
    const small = await d.taskWithLog(1024);
    const large = await d.taskWithLog(N.largeLogBytes);
    const tail = await d.tailReads(small, large, N.listReps);
    rows.push({
      row: `4 tail 4 KB of ${N.largeLogBytes / 1024 / 1024} MB log (ms)`,
      backend: 'postgres',
      bosun: tail.large,
      peer: tail.small,
      peerName: '1 KB log (bosun: large)',
      target: 'ratio <= 1.2',
      ok: tail.large <= 1.2 * tail.small,
    });

    say(`row 6: memory with ${N.tailingClients} tailing clients`);
    daemon.resetPeak();
    const tailRequests = await d.tailingClients(large, N.tailingClients, QUICK ? 3000 : 10_000);
    const rssTailing = daemon.peakRssMb();
    rows.push(
      { row: '6 peak RSS idle (MB)', backend: 'postgres', bosun: rssIdle, target: '< 200', ok: rssIdle < 200 },
      {
        row: '6 peak RSS under row 2 load (MB)',
        backend: 'postgres',
        bosun: rssLoad,
        target: '< 200',
        ok: rssLoad < 200,
      },
      {
        row: `6 peak RSS, ${N.manyTasks / 1000}k tasks + ${N.tailingClients} tailing (MB)`,
        backend: 'postgres',
        bosun: rssTailing,
        note: `${tailRequests} tail reads`,
        target: '< 200',
        ok: rssTailing < 200,
      },
    );
    rows.push(...(await drydockRows(daemon, knex, docker, runId)));
    rows.push(...(await liveRows(daemon)));
  } finally {
    await finishes.stop();
    await daemon.stop();
    await removeBenchContainers(docker, runId);
    await knex.destroy();
  }

  say('row 10: sync tasks (terraform runs) reacting to an instance change');
  const syncs = new SyncsBench(PG_URL);
  await syncs.start();
  try {
    const r = await syncs.reaction(N.syncSamples);
    const bare = await syncs.bareApply(N.syncSamples);
    const run = median(r.runMs);
    rows.push(
      {
        row: '10 instance change to sync run processing, p50 (ms)',
        backend: 'postgres',
        bosun: r.p50,
        note: 'buffer_period off; CTS buffers 5 s',
        target: '< 1000',
        ok: r.p50 < 1000,
      },
      {
        row: '10 instance change to sync run processing, p99 (ms)',
        backend: 'postgres',
        bosun: r.p99,
        target: '< 1000',
        ok: r.p99 < 1000,
      },
      {
        row: '10 sync run, init + apply (ms)',
        backend: 'postgres',
        bosun: run,
        peer: bare.initApply,
        peerName: 'terraform init + apply by hand',
        target: 'ratio <= 1.2',
        ok: run <= 1.2 * bare.initApply,
      },
      {
        row: '10 sync run against a bare apply (ms)',
        backend: 'postgres',
        bosun: run,
        peer: bare.apply,
        peerName: 'terraform apply by hand, initialised',
      },
    );
  } finally {
    await syncs.stop();
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
  rows.push({
    row: "7 render one instance's templates, worker pool (ms)",
    backend: 'none',
    bosun: tpl.pool,
    peer: tpl.inThread,
    peerName: 'in-thread',
    note: 'no database',
  });

  rows.push(...(await schedulerRows()));
  await report(rows, started, 'results.json');
}

/**
 * Rows 8 and 9, the scheduler: configs due on one tick fired by two nodes (and one embedded node, with
 * fewer configs), and row 1's pickup beside a table of idle configs.
 */
async function schedulerRows(): Promise<Row[]> {
  const rows: Row[] = [];
  const k = (n: number) => `${n / 1000}k`;
  say(`row 8: ${N.dueConfigs.toLocaleString('en')} configs due on one tick, nodes A and B`);
  const f = await fireLatency('postgres', PG_URL, N.dueConfigs, ['A', 'B'], N.workers);
  say(`row 8: ${JSON.stringify(f)}`);
  const fireRows = (backend: Row['backend'], x: typeof f): Row[] => {
    const what = `${k(x.configs)} configs on one tick, ${x.nodes} node${x.nodes > 1 ? 's' : ''}`;
    const allOnce = x.twice === 0 && x.notOnce === 0 && x.notStarted === 0;
    return [
      {
        row: `8 tick to run stored, p99 (ms), ${what}`,
        backend,
        bosun: x.stored.p99,
        note: `p50 ${x.stored.p50.toFixed(0)}`,
      },
      {
        row: `8 tick to task queued, p99 (ms), ${what}`,
        backend,
        bosun: x.queued.p99,
        note: `p50 ${x.queued.p50.toFixed(0)}`,
      },
      { row: `8 fire latency p50, tick to task processing (ms), ${what}`, backend, bosun: x.processing.p50 },
      {
        row: `8 fire latency p99, tick to task processing (ms), ${what}`,
        backend,
        bosun: x.processing.p99,
        note: `max ${x.processing.max.toFixed(0)}; ${x.within1s} of ${x.configs} within 1 s`,
        target: 'all <= 1000',
        ok: x.within1s === x.configs,
      },
      {
        row: `8 ticks run twice / configs without one run / runs not started, ${what}`,
        backend,
        bosun: x.twice + x.notOnce + x.notStarted,
        note: `${x.twice} / ${x.notOnce} / ${x.notStarted}; started on ${Object.entries(x.perNode)
          .map(([n, c]) => `${n} ${c}`)
          .join(', ')}`,
        target: '0',
        ok: allOnce,
      },
    ];
  };
  rows.push(...fireRows('postgres', f));

  say(`row 9: pickup beside ${N.idleConfigs.toLocaleString('en')} idle configs, against an empty schedule table`);
  const idleRows = (backend: Row['backend'], x: Awaited<ReturnType<typeof idleTableCost>>): Row[] => {
    const peerName = 'empty schedule table';
    return [
      {
        row: `9 pickup p50, ${k(N.idleConfigs)} idle configs (ms)`,
        backend,
        bosun: x.full.p50,
        peer: x.empty.p50,
        peerName,
        target: 'ratio <= 1.20 (noise)',
        ok: x.full.p50 <= 1.2 * x.empty.p50,
      },
      {
        row: `9 pickup p99, ${k(N.idleConfigs)} idle configs (ms)`,
        backend,
        bosun: x.full.p99,
        peer: x.empty.p99,
        peerName,
      },
      {
        row: `9 pickup p50, queued on another node, ${k(N.idleConfigs)} idle configs (ms)`,
        backend,
        bosun: x.full.otherP50,
        peer: x.empty.otherP50,
        peerName,
        target: 'ratio <= 1.20 (noise)',
        ok: x.full.otherP50 <= 1.2 * x.empty.otherP50,
      },
      {
        row: `9 pickup p99, queued on another node, ${k(N.idleConfigs)} idle configs (ms)`,
        backend,
        bosun: x.full.otherP99,
        peer: x.empty.otherP99,
        peerName,
      },
    ];
  };
  const idle = await idleTableCost(
    'postgres',
    PG_URL,
    N.idleConfigs,
    N.idleBlocks,
    N.idleBlockSamples,
    N.workers,
    N.idlePollMs,
  );
  say(`row 9: ${JSON.stringify(idle)}`);
  rows.push(...idleRows('postgres', idle));

  say(`rows 8-9 on the embedded database (one node, ${N.embeddedDueConfigs.toLocaleString('en')} configs due)`);
  const e = await fireLatency('embedded', '', N.embeddedDueConfigs, ['A'], N.workers);
  say(`row 8 embedded: ${JSON.stringify(e)}`);
  rows.push(...fireRows('embedded', e));
  const idleEmbedded = await idleTableCost(
    'embedded',
    '',
    N.idleConfigs,
    N.idleBlocks,
    N.idleBlockSamples,
    N.workers,
    N.idlePollMs,
  );
  say(`row 9 embedded: ${JSON.stringify(idleEmbedded)}`);
  rows.push(...idleRows('embedded', idleEmbedded));
  return rows;
}

/**
 * Row 13: a log followed live against the BOSH CLI's Range polling (append to client, one follower and
 * one poller), then many followers of a few logs on the daemon: its peak memory, and their latency.
 */
async function liveRows(daemon: BenchDaemon): Promise<Row[]> {
  const live = new LiveLogRows(daemon, PG_URL);
  await live.start();
  try {
    say(`row 13: append-to-client latency, ${N.liveSamples} lines, followed live and polled every ${CLI_POLL_MS} ms`);
    const one = await live.latency(N.liveSamples);
    say(`row 13: ${N.liveFollowers} followers of ${N.liveLogs} logs for ${N.liveSeconds} s`);
    daemon.resetPeak();
    const many = await live.manyFollowers(N.liveFollowers, N.liveLogs, 100, N.liveSeconds * 1000);
    const rss = daemon.peakRssMb();
    const polled = `BOSH CLI Range polling, ${CLI_POLL_MS} ms`;
    return [
      {
        row: '13 log append to client, p50 (ms)',
        backend: 'postgres',
        bosun: p50(one.stream),
        peer: p50(one.polling),
        peerName: polled,
      },
      {
        row: '13 log append to client, p99 (ms)',
        backend: 'postgres',
        bosun: p99(one.stream),
        peer: p99(one.polling),
        peerName: polled,
        target: '< 50',
        ok: p99(one.stream) < 50,
      },
      {
        row: `13 peak RSS, ${N.liveFollowers} followers of ${N.liveLogs} growing logs (MB)`,
        backend: 'postgres',
        bosun: rss,
        note: `${many.connectedRssMb.toFixed(0)} MB once connected; ${many.complete} of ${N.liveFollowers} got their whole log; ${many.lines} lines`,
        target: '< 200',
        ok: rss < 200 && many.complete === N.liveFollowers,
      },
      {
        row: `13 log append to client with ${N.liveFollowers} followers, p99 (ms)`,
        backend: 'postgres',
        bosun: p99(many.latencies),
        note: `p50 ${p50(many.latencies).toFixed(1)}; ${many.latencies.length} arrivals`,
      },
    ];
  } finally {
    await live.stop();
  }
}

/** Rows 11 and 12: deploy_nodes of 20 nodes against dockerode; build-data latency as the table grows. */
async function drydockRows(daemon: BenchDaemon, knex: knexFactory.Knex, docker: Docker, runId: string): Promise<Row[]> {
  const dd = new DrydockRows(daemon, knex, docker, IMAGE, runId);
  try {
    say(`row 11: deploy_nodes of ${N.drydockNodes} nodes against creating and starting them with dockerode`);
    const bosun: number[] = [];
    const raw: number[] = [];
    for (let i = 0; i < N.drydockReps; i++) {
      const r = await dd.deploy(N.drydockNodes);
      say(`  deploy_nodes ${r.bosun.toFixed(0)} ms, dockerode ${r.raw.toFixed(0)} ms`);
      bosun.push(r.bosun);
      raw.push(r.raw);
    }
    const [few, many] = N.buildDataRecords;
    say(`row 12: build-data API with ${few.toLocaleString('en')} and ${many.toLocaleString('en')} records`);
    const small = await dd.buildDataLatency(few, N.listReps);
    const large = await dd.buildDataLatency(many, N.listReps);
    const k = (n: number) => `${n / 1000}k`;
    return [
      {
        row: `11 deploy_nodes, ${N.drydockNodes} nodes (ms)`,
        backend: 'postgres',
        bosun: median(bosun),
        peer: median(raw),
        peerName: 'dockerode create+start',
        target: 'ratio <= 1.3',
        ok: median(bosun) <= 1.3 * median(raw),
        note: 'bosun also collects 3 build-data records a node',
      },
      {
        row: `12 node builddata latest, ${k(many)} records (ms)`,
        backend: 'postgres',
        bosun: large.latest,
        peer: small.latest,
        peerName: `${k(few)} records`,
        target: 'ratio <= 1.2',
        ok: large.latest <= 1.2 * small.latest,
      },
      {
        row: `12 node builddata all, ${k(many)} records (ms)`,
        backend: 'postgres',
        bosun: large.all,
        peer: small.all,
        peerName: `${k(few)} records`,
        target: 'ratio <= 1.2',
        ok: large.all <= 1.2 * small.all,
      },
    ];
  } finally {
    await dd.cleanUp();
  }
}

async function report(rows: Row[], started: number, fileName: string): Promise<void> {
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
  const file = path.join(__dirname, '..', '..', 'bench', fileName);
  fs.writeFileSync(file, `${JSON.stringify({ at: new Date().toISOString(), machine, rows }, null, 2)}\n`);
  console.log(`\nwritten ${file}`);
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
