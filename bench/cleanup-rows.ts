import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import Docker from 'dockerode';
import type { Knex } from 'knex';
import { BenchDaemon } from './daemon-process';
import { DaemonRows } from './daemon-rows';
import { median } from './stats';
import type { Row } from './table';
import { TaskFinishes } from './task-finishes';

export interface CleanupBenchSettings {
  workers: number;
  clients: number;
  /** Tasks a round sends. */
  round: number;
  /** Finished tasks of the type stored before a "full" round. */
  stored: number;
  retention: number;
  retentionIntervalSeconds: number;
  reps: number;
  runId: string;
}

/**
 * Row 14: `POST /cleanup` (a `delete_artifacts` task each) through HTTPS with an empty tasks table against
 * the same with `stored` finished tasks of that type already there, with the daemon's own retention
 * (`retention` per type, a pass every `retentionIntervalSeconds`) running as it does in service: its
 * passes delete the surplus during the full rounds. Also three rounds in a row from empty, as the issue
 * measured them.
 *
 * The daemon's Docker engine here is a stand-in answering every request with an empty list: each
 * clean-up lists the engine's containers (orphaned VMs) and deletes those no instance owns, and on this
 * machine the one engine is shared with other runs, whose containers a clean-up must not touch. The row
 * is about the tasks table; the engine's listing costs both sides the same.
 */
export async function cleanupRows(
  pgUrl: string,
  knex: Knex,
  s: CleanupBenchSettings,
  say: (line: string) => void,
): Promise<Row[]> {
  const socket = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'bosun-bench-engine-')), 'docker.sock');
  const engine = http.createServer((req, res) => {
    res.writeHead(200, { 'Content-Type': 'application/json' });
    res.end('[]');
  });
  await new Promise<void>((resolve) => engine.listen(socket, resolve));
  const daemon = new BenchDaemon(
    {
      BOSUN_DATABASE_URL: pgUrl,
      BOSUN_WORKERS: String(s.workers),
      BOSUN_NODE_ID: `bench-${s.runId}`,
      BOSUN_DOCKER_SOCKET: socket,
    },
    `tasks:\n  retention_per_type: ${s.retention}\n  retention_interval_seconds: ${s.retentionIntervalSeconds}\n`,
  );
  await daemon.start();
  const finishes = new TaskFinishes(pgUrl);
  await finishes.start();
  // Only its HTTP throughput is used here: no container runs.
  const d = new DaemonRows(daemon, knex, finishes, new Docker(), '', s.runId);
  const emptyTable = async () => {
    await knex('tasks').where({ type: 'delete_artifacts' }).delete();
    await knex.raw('vacuum analyze tasks');
  };
  const fill = async () => {
    await emptyTable();
    await knex.raw(
      `insert into tasks (type, state, description, username, result, created_at, timestamp, started_at)
       select 'delete_artifacts', 'done', 'clean up', 'admin', 'Deleted 0 release(s)', now(), now(), now()
         from generate_series(1, ?::int)`,
      [s.stored],
    );
    await knex.raw(
      `insert into task_logs (task_id, log, start_offset, data)
       select id, 'event', 0, convert_to(repeat('x', 200), 'UTF8') from tasks where type = 'delete_artifacts'`,
    );
    await knex.raw('vacuum analyze tasks');
  };
  try {
    say('row 14: warm-up round (not counted)');
    await d.httpThroughput(s.round, s.clients);
    const empty: number[] = [];
    const full: number[] = [];
    for (let i = 0; i < s.reps; i++) {
      await emptyTable();
      empty.push(await d.httpThroughput(s.round, s.clients));
      await fill();
      full.push(await d.httpThroughput(s.round, s.clients));
      say(`  empty table ${empty.at(-1)!.toFixed(0)} tasks/s, ${s.stored} stored ${full.at(-1)!.toFixed(0)} tasks/s`);
    }
    await emptyTable();
    const inARow: number[] = [];
    for (let i = 0; i < 3; i++) inARow.push(await d.httpThroughput(s.round, s.clients));
    say(`  three rounds in a row from empty: ${inARow.map((x) => x.toFixed(0)).join(', ')} tasks/s`);
    const left = Number((await knex('tasks').where({ type: 'delete_artifacts' }).count({ n: '*' }))[0].n);
    const k = (n: number) => `${n / 1000}k`;
    return [
      {
        row: `14 POST /cleanup, ${k(s.stored)} stored (tasks/s)`,
        backend: 'postgres',
        bosun: median(full),
        peer: median(empty),
        peerName: 'empty table',
        target: 'ratio >= 0.9',
        ok: median(full) >= 0.9 * median(empty),
        note: `${s.workers} workers, ${s.clients} clients, rounds of ${s.round}, retention ${s.retention} every ${s.retentionIntervalSeconds} s`,
      },
      {
        row: `14 POST /cleanup, 3rd of 3 rounds in a row (tasks/s)`,
        backend: 'postgres',
        bosun: inARow[2],
        peer: inARow[0],
        peerName: '1st round',
        note: `rounds: ${inARow.map((x) => x.toFixed(0)).join(', ')}; ${left} delete_artifacts tasks left at the end`,
      },
    ];
  } finally {
    await finishes.stop();
    await daemon.stop();
    await new Promise((resolve) => engine.close(resolve));
  }
}
