/** One line of the bench's table: bosun's figure, and the figure it is compared with side by side. */
export interface Row {
  row: string;
  backend: 'postgres' | 'embedded' | 'none';
  bosun: number;
  peer?: number;
  peerName?: string;
  target?: string;
  ok?: boolean;
  note?: string;
}

const fmt = (x: number | undefined) =>
  x === undefined ? '' : x >= 100 ? x.toFixed(0) : x >= 10 ? x.toFixed(1) : x.toFixed(2);

/** Prints the rows as a Markdown table (so RESULTS.md can take it as it is). */
/** The machine a run was measured on, as bench/run.ts gathers it. */
export interface Machine {
  cpus: number;
  model: string;
  node: string;
  postgres: string;
  seconds: number;
  quick: boolean;
}

export function printTable(rows: Row[], machine: Machine): void {
  console.log(
    `\n${machine.cpus} × ${machine.model}, node ${machine.node}, PostgreSQL ${machine.postgres}, ${machine.seconds} s${machine.quick ? ' (BENCH_QUICK)' : ''}\n`,
  );
  console.log('| row | backend | bosun | compared with | ratio | target | met |');
  console.log('|---|---|---:|---|---:|---|---|');
  for (const r of rows) {
    const ratio = r.peer ? fmt(r.bosun / r.peer) : '';
    const peer = r.peer !== undefined ? `${fmt(r.peer)} (${r.peerName})` : (r.note ?? '');
    const met = r.ok === undefined ? '' : r.ok ? 'yes' : '**no**';
    console.log(`| ${r.row} | ${r.backend} | ${fmt(r.bosun)} | ${peer} | ${ratio} | ${r.target ?? ''} | ${met} |`);
  }
}
