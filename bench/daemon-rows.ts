import crypto from 'node:crypto';
import Docker from 'dockerode';
import type { Knex } from 'knex';
import type { BenchDaemon } from './daemon-process';
import { runRawContainer } from './raw-docker';
import { median, inParallel, sleep } from './stats';
import type { TaskFinishes } from './task-finishes';
import type { RawRows } from '../src/db/row-values';

/** The rows measured through a running daemon's HTTP API. */
export class DaemonRows {
  constructor(
    private readonly d: BenchDaemon,
    private readonly knex: Knex,
    private readonly finishes: TaskFinishes,
    private readonly docker: Docker,
    private readonly image: string,
    private readonly runId: string,
  ) {}

  private async post(path: string, body: object): Promise<number> {
    const r = await this.d.client.request('POST', path, {
      auth: this.d.auth,
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify(body),
    });
    const m = /^\/tasks\/(\d+)$/.exec(String(r.headers.location ?? ''));
    if (r.status !== 302 || !m) throw new Error(`POST ${path}: ${r.status} ${r.text}`);
    return Number(m[1]);
  }

  private async stateOf(id: number): Promise<string> {
    return (await this.knex<{ id: number; state: string }>('tasks').where({ id }).first('state'))!.state;
  }

  /**
   * Row 2: `count` clean-up tasks (bosh clean-up: the cheapest real operation, applying retention) sent by
   * `clients` concurrent HTTP clients, until all are done with their event and result logs (tasks/s).
   */
  async httpThroughput(count: number, clients: number): Promise<number> {
    const t0 = performance.now();
    const ids: number[] = [];
    let sent = 0;
    await Promise.all(
      Array.from({ length: clients }, async () => {
        while (sent < count) {
          sent++;
          ids.push(await this.post('/cleanup', { config: { remove_all: false } }));
        }
      }),
    );
    await Promise.all(ids.map((id) => this.finishes.of(id)));
    const seconds = (performance.now() - t0) / 1000;
    const notDone = await this.knex('tasks').whereIn('id', ids).whereNot('state', 'done').count({ n: '*' });
    if (Number(notDone[0].n)) throw new Error(`${notDone[0].n} clean-up tasks did not end done`);
    return count / seconds;
  }

  /** One container job end to end: from the POST to the task's end (ms). */
  async bosunContainer(cmd: string[]): Promise<number> {
    const t0 = performance.now();
    const id = await this.post('/v1/api/job', { container_image: this.image, run: cmd });
    const ended = await this.finishes.of(id);
    const state = await this.stateOf(id);
    if (state !== 'done') throw new Error(`container job ${id} ended ${state}`);
    return ended - t0;
  }

  rawContainer(cmd: string[]): Promise<number> {
    return runRawContainer(this.docker, this.image, cmd, this.runId);
  }

  /** Row 3: busybox `true` through bosun and through dockerode, alternately; serial medians and batch times at concurrency 8. */
  async containerOverhead(serialRuns: number, batches: number, batchSize: number) {
    const bosun: number[] = [];
    const raw: number[] = [];
    await this.bosunContainer(['true']);
    await this.rawContainer(['true']);
    for (let i = 0; i < serialRuns; i++) {
      bosun.push(await this.bosunContainer(['true']));
      raw.push(await this.rawContainer(['true']));
    }
    const bosunBatch: number[] = [];
    const rawBatch: number[] = [];
    const batch = async (one: () => Promise<number>) => {
      const t0 = performance.now();
      await inParallel(
        Array.from({ length: batchSize }, (_, i) => i),
        8,
        async () => void (await one()),
      );
      return performance.now() - t0;
    };
    for (let i = 0; i < batches; i++) {
      bosunBatch.push(await batch(() => this.bosunContainer(['true'])));
      rawBatch.push(await batch(() => this.rawContainer(['true'])));
    }
    return {
      serial: { bosun: median(bosun), raw: median(raw) },
      concurrent: { bosun: median(bosunBatch) / batchSize, raw: median(rawBatch) / batchSize },
    };
  }

  /** Row 4a: a container writing `mb` MB to stdout, until its task ends with all of it stored (ms), and the same raw. */
  async bigOutput(mb: number) {
    const cmd = ['sh', '-c', `head -c ${mb * 1024 * 1024} /dev/zero`];
    const bosun = await this.bosunContainer(cmd);
    const raw = await this.rawContainer(cmd);
    return { bosun, raw };
  }

  /** A finished task with a debug log of `bytes` (1 MB chunks of random bytes), made in SQL. */
  async taskWithLog(bytes: number): Promise<number> {
    const [{ id }] = await this.knex<{ id: number; type: string; state: string; description: string }>('tasks')
      .insert({ type: 'bench_log', state: 'done', description: `log of ${bytes} bytes` })
      .returning('id');
    const chunk = Math.min(bytes, 1024 * 1024);
    await this.knex('task_logs').insert({
      task_id: id,
      log: 'debug',
      start_offset: 0,
      data: crypto.randomBytes(chunk),
    });
    if (bytes > chunk) {
      await this.knex.raw<RawRows>(
        `insert into task_logs (task_id, log, start_offset, data)
         select ?, 'debug', g * ?::bigint, (select data from task_logs where task_id = ? and log = 'debug' and start_offset = 0)
           from generate_series(1, ?::int) g`,
        [id, chunk, id, bytes / chunk - 1],
      );
    }
    return Number(id);
  }

  /** Row 4b: the last 4 KB of a log by `Range: bytes=N-`, alternately on both tasks (median ms each). */
  async tailReads(small: number, large: number, reps: number) {
    const sizeOf = async (id: number) =>
      Number(
        (
          await this.knex.raw<RawRows>(
            `select max(start_offset + octet_length(data)) as s from task_logs where task_id = ? and log = 'debug'`,
            [id],
          )
        ).rows[0].s,
      );
    const sizes = { small: await sizeOf(small), large: await sizeOf(large) };
    const times: Record<'small' | 'large', number[]> = { small: [], large: [] };
    for (let i = 0; i < reps; i++) {
      for (const [which, id] of [
        ['small', small],
        ['large', large],
      ] as const) {
        const from = Math.max(0, sizes[which] - 4096);
        const t0 = performance.now();
        const r = await this.d.client.request('GET', `/tasks/${id}/output?type=debug`, {
          auth: this.d.auth,
          headers: { Range: `bytes=${from}-` },
        });
        times[which].push(performance.now() - t0);
        if (r.status !== 206 || r.body.length !== sizes[which] - from)
          throw new Error(`tail of task ${id}: ${r.status}, ${r.body.length} bytes`);
      }
    }
    return { small: median(times.small), large: median(times.large), sizes };
  }

  /** `total` finished tasks in all (half clean-ups, half container jobs), added in one statement. */
  async fillTasks(total: number): Promise<void> {
    const have = Number((await this.knex('tasks').count({ n: '*' }))[0].n);
    await this.knex.raw<RawRows>(
      `insert into tasks (type, state, description, username, result, created_at, timestamp, started_at)
       select case when g % 2 = 0 then 'cleanup' else 'container_job' end, 'done', 'bench task ' || g, 'admin', 'ok',
              now() - (?::int - g) * interval '1 second', now() - (?::int - g) * interval '1 second', now() - (?::int - g) * interval '1 second'
         from generate_series(?::int, ?::int) g`,
      [total, total, total, have + 1, total],
    );
    await this.knex.raw<RawRows>('vacuum analyze tasks');
  }

  /** Row 5: median ms of GET /tasks?limit=50 (the CLI's default and every type) and GET /tasks/:id. */
  async listLatency(reps: number) {
    const maxId = Number((await this.knex('tasks').max({ m: 'id' }))[0].m);
    const time = async (path: string) => {
      const t0 = performance.now();
      const r = await this.d.client.request('GET', path, { auth: this.d.auth });
      if (r.status !== 200) throw new Error(`${path}: ${r.status}`);
      return performance.now() - t0;
    };
    const list: number[] = [];
    const listAll: number[] = [];
    const one: number[] = [];
    for (let i = 0; i < reps; i++) {
      list.push(await time('/tasks?limit=50'));
      listAll.push(await time('/tasks?limit=50&verbose=2'));
      one.push(await time(`/tasks/${1 + Math.floor(Math.random() * maxId)}`));
    }
    return { list: median(list), listAll: median(listAll), one: median(one) };
  }

  /** Row 6c: `clients` clients tailing a log (Range reads of its end, as `bosh task N` polls) and listing, for `ms`. */
  async tailingClients(taskId: number, clients: number, ms: number): Promise<number> {
    const size = Number(
      (
        await this.knex.raw<RawRows>(
          `select max(start_offset + octet_length(data)) as s from task_logs where task_id = ? and log = 'debug'`,
          [taskId],
        )
      ).rows[0].s,
    );
    const until = Date.now() + ms;
    let requests = 0;
    await Promise.all(
      Array.from({ length: clients }, async (_, i) => {
        let offset = Math.max(0, size - 4096 * (1 + (i % 16)));
        while (Date.now() < until) {
          const r = await this.d.client.request('GET', `/tasks/${taskId}/output?type=debug`, {
            auth: this.d.auth,
            headers: { Range: `bytes=${offset}-` },
          });
          requests++;
          if (r.status !== 206) throw new Error(`tail: ${r.status}`);
          offset = Math.max(0, size - 4096 * (1 + (requests % 16)));
          if (i % 10 === 0) await this.d.client.request('GET', '/tasks?limit=50', { auth: this.d.auth });
          await sleep(100);
        }
      }),
    );
    return requests;
  }
}
