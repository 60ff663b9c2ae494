import { badInput, BadInputFigures } from './bad-input';
import { checkAfterLoad, CheckResult, waitForQuiet } from './checks';
import { checkSchedules, createSchedules, deleteSchedules } from './schedules';
import { SOAK_LIVENESS, SoakCluster } from './cluster';
import { LoadFigures, runLoad } from './load';
import { Random } from './random';
import type { RawRows } from '../src/db/row-values';

export interface SoakOptions {
  databaseUrl: string;
  seed: number;
  loadMs: number;
  tasksPerSecond: number;
  cancelShare: number;
  /** How long the killed node stays down. */
  downForMs: number;
  /** Malformed requests generated per route. */
  badInputPerRoute: number;
  print: (line: string) => void;
}

export interface SoakReport {
  load: LoadFigures;
  drainMs: number;
  /** Final states of the submitted tasks. */
  states: Record<string, number>;
  badInput: BadInputFigures;
  checks: CheckResult[];
  ok: boolean;
}

/**
 * The soak: two nodes on one database under a steady mixed load with cancels, kills and a SIGKILLed
 * node, checked afterwards; then a stream of malformed requests against every route.
 */
export async function runSoak(opts: SoakOptions): Promise<SoakReport> {
  const rnd = new Random(opts.seed);
  const cluster = new SoakCluster(opts.databaseUrl, `${process.pid}-${opts.seed}`);
  const say = opts.print;
  let report: SoakReport | null = null;
  try {
    await cluster.start();
    say(`soak: seed ${opts.seed}, nodes ${cluster.nodes.map((n) => n.nodeId).join(' and ')} on ${opts.databaseUrl}`);
    const schedules = await createSchedules(cluster);
    say(
      `soak: load for ${opts.loadMs / 1000} s at ${opts.tasksPerSecond} tasks/s, and ${schedules.length} schedules firing every few seconds`,
    );
    const load = await runLoad(cluster, rnd, {
      durationMs: opts.loadMs,
      tasksPerSecond: opts.tasksPerSecond,
      cancelShare: opts.cancelShare,
      killAtMs: Math.floor(opts.loadMs * 0.4),
      downForMs: opts.downForMs,
    });
    await deleteSchedules(cluster, schedules);
    // Every task ends within its own length plus the liveness period; the backlog needs its own time.
    const drainMs = await waitForQuiet(cluster, 60_000 + SOAK_LIVENESS.timeoutSeconds * 1000);
    const checks = [
      {
        name: 'load: no 5xx, no error from a live node',
        ok: load.unexpected.length === 0,
        detail: load.unexpected.slice(0, 10).join('; ') || 'none',
      },
      ...(await checkAfterLoad(cluster, load.submitted, load.killedNode)),
      ...(await checkSchedules(cluster, schedules)),
    ];
    const states = await finalStates(
      cluster,
      load.submitted.map((s) => s.taskId),
    );
    say(`soak: bad input (${opts.badInputPerRoute} generated requests per route)`);
    const bad = await badInput(cluster, rnd, opts.badInputPerRoute);
    checks.push(...bad.checks);
    report = { load, drainMs, states, badInput: bad, checks, ok: checks.every((c) => c.ok) };
  } finally {
    const codes = await cluster.stop();
    if (report && codes.some((c) => c !== 0)) {
      report.checks.push({
        name: 'nodes exit 0 on SIGTERM',
        ok: false,
        detail: `exit codes ${codes.join(', ')} (null: SIGKILLed 30 s after SIGTERM)`,
      });
      report.ok = false;
    }
  }
  printReport(report, say);
  return report;
}

async function finalStates(cluster: SoakCluster, ids: number[]): Promise<Record<string, number>> {
  const res = await cluster.knex.raw<RawRows>(
    'select state, count(*)::int as n from tasks where id = any(?) group by state order by state',
    [ids],
  );
  return Object.fromEntries((res.rows as Array<{ state: string; n: number }>).map((r) => [r.state, r.n]));
}

function printReport(r: SoakReport, say: (line: string) => void): void {
  const kinds: Record<string, number> = {};
  for (const s of r.load.submitted) kinds[s.kind] = (kinds[s.kind] ?? 0) + 1;
  say('');
  say(
    `requests      load ${r.load.requests} (${Object.entries(r.load.byStatus)
      .map(([k, v]) => `${k} ${v}`)
      .join(', ')}), bad input ${r.badInput.requests}`,
  );
  say(
    `tasks         ${r.load.submitted.length} submitted: ${Object.entries(kinds)
      .map(([k, v]) => `${k} ${v}`)
      .join(', ')}; drained in ${(r.drainMs / 1000).toFixed(1)} s after the load`,
  );
  say(
    `final states  ${Object.entries(r.states)
      .map(([k, v]) => `${k} ${v}`)
      .join(', ')}`,
  );
  say(`cancels       ${r.load.cancelsSent} DELETE /task, ${r.load.killsSent} job kills`);
  say(
    `faults        ${r.load.sigkills} SIGKILL of ${r.load.killedNode}, ${r.load.restarts} restart, ${r.load.droppedByFault} request${r.load.droppedByFault === 1 ? '' : 's'} dropped with it`,
  );
  say(
    `bad input     ${r.badInput.requests} requests over ${r.badInput.routes} routes: ${Object.entries(
      r.badInput.byStatus,
    )
      .sort()
      .map(([k, v]) => `${k}×${v}`)
      .join(' ')}`,
  );
  say('');
  for (const c of r.checks) say(`${c.ok ? 'PASS' : 'FAIL'}  ${c.name}: ${c.detail}`);
  say('');
  say(r.ok ? 'soak: every check passed' : `soak: ${r.checks.filter((c) => !c.ok).length} check(s) failed`);
}
