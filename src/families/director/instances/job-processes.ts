import YAML from 'yaml';

export interface JobProcess {
  job: string;
  name: string;
  /** The shell script that starts it. */
  script: string;
  /** For monit-style jobs: the pidfile the start program writes. */
  pidfile?: string;
}

const quote = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;

/** The processes of a job: from its rendered `config/bpm.yml`, else from its rendered `monit` file. */
export function jobProcesses(job: string, rendered: Map<string, string>, monit: string | null): JobProcess[] {
  const bpm = rendered.get('config/bpm.yml');
  if (bpm !== undefined) return bpmProcesses(job, bpm);
  return monit ? monitProcesses(job, monit) : [];
}

function bpmProcesses(job: string, text: string): JobProcess[] {
  let doc: unknown;
  try {
    doc = YAML.parse(text);
  } catch (err) {
    throw new Error(`Job '${job}': config/bpm.yml is not valid YAML: ${(err as Error).message.split('\n')[0]}`);
  }
  const processes = (doc as { processes?: unknown })?.processes;
  if (!Array.isArray(processes)) throw new Error(`Job '${job}': config/bpm.yml has no processes list`);
  return processes.map((p: Record<string, unknown>, i) => {
    const name = typeof p.name === 'string' && /^[A-Za-z0-9_.-]+$/.test(p.name) ? p.name : null;
    if (!name || typeof p.executable !== 'string')
      throw new Error(`Job '${job}': bpm process ${i} needs a name and an executable`);
    const env = p.env && typeof p.env === 'object' ? Object.entries(p.env as Record<string, unknown>) : [];
    const args = Array.isArray(p.args) ? p.args.map((a) => quote(String(a))) : [];
    const lines = [
      ...env.filter(([k]) => /^[A-Za-z_][A-Za-z0-9_]*$/.test(k)).map(([k, v]) => `export ${k}=${quote(String(v))}`),
      `cd ${quote(typeof p.workdir === 'string' ? p.workdir : `/var/vcap/jobs/${job}`)}`,
      `exec ${quote(p.executable)}${args.length ? ` ${args.join(' ')}` : ''}`,
    ];
    return { job, name, script: `${lines.join('\n')}\n` };
  });
}

/** `check process NAME` / `with pidfile PATH` / `start program "CMD"` blocks of a monit file. */
function monitProcesses(job: string, text: string): JobProcess[] {
  const out: JobProcess[] = [];
  const blocks = text.split(/^\s*check\s+process\s+/m).slice(1);
  for (const block of blocks) {
    const name = /^([A-Za-z0-9_.-]+)/.exec(block)?.[1];
    const pidfile = /with\s+pidfile\s+(\S+)/.exec(block)?.[1];
    const start = /start\s+program\s+(?:=\s*)?"([^"]+)"/.exec(block)?.[1];
    if (!name || !start) continue;
    out.push({ job, name, script: `${start}\n`, pidfile });
  }
  return out;
}
