import fs from 'node:fs';
import https from 'node:https';
import { performance } from 'node:perf_hooks';
import { Database, openDatabase } from '../src/db/database';
import { TaskService } from '../src/tasks/task-service';
import type { TaskLogWriter } from '../src/tasks/task-log-writer';
import pino from 'pino';
import type { BenchDaemon } from './daemon-process';
import { percentile, sleep } from './stats';

/** A task type no node runs: its log is written by the bench, as a task running on another node writes it. */
const TASK_TYPE = 'bench_live_log';

/** The BOSH CLI's poll interval (director/task_client_request.go). */
export const CLI_POLL_MS = 500;

const LINE = /bench-line (\d+) /g;

interface Follower {
  received: number;
  close(): void;
}

/**
 * Row 13: a log followed live (`Accept: text/event-stream`) against the BOSH CLI's Range polling. The
 * bench appends lines to a task's log through its own connection to the database (as the node running
 * the task would), and times each line from just before its append to its arrival at each client.
 */
export class LiveLogRows {
  private db!: Database;
  private tasks!: TaskService;
  private readonly agent: https.Agent;

  constructor(
    private readonly daemon: BenchDaemon,
    private readonly pgUrl: string,
  ) {
    this.agent = new https.Agent({ keepAlive: false, maxSockets: Infinity, ca: fs.readFileSync(daemon.caPath) });
  }

  async start(): Promise<void> {
    this.db = await openDatabase({ url: this.pgUrl, dataDir: '', poolSize: 8, log: pino({ level: 'silent' }) });
    this.tasks = new TaskService(this.db);
  }

  async stop(): Promise<void> {
    this.agent.destroy();
    await this.db.close();
  }

  /** Append-to-client latency of one follower and of one CLI-style poller, `samples` lines apart by 20-120 ms. */
  async latency(samples: number): Promise<{ stream: number[]; polling: number[] }> {
    const task = await this.tasks.enqueue({ type: TASK_TYPE, description: 'bench: live log' });
    const writer = await this.tasks.openLog(task.id, 'debug');
    const sent = new Map<number, number>();
    const stream: number[] = [];
    const polling: number[] = [];
    const follower = await this.follow(task.id, (n, at) => stream.push(at - sent.get(n)!));
    let polled = true;
    const poller = this.poll(
      task.id,
      (n, at) => polling.push(at - sent.get(n)!),
      () => polled,
    );
    try {
      for (let i = 0; i < samples; i++) await this.append(writer, i, sent, 20 + Math.random() * 100);
      const until = Date.now() + 3 * CLI_POLL_MS;
      while ((stream.length < samples || polling.length < samples) && Date.now() < until) await sleep(20);
    } finally {
      polled = false;
      follower.close();
      await poller;
      await this.tasks.cancel(task);
    }
    return { stream, polling };
  }

  /**
   * `followers` clients following the logs of `logs` tasks (spread evenly) while each log gets a line every
   * `everyMs`, for `ms`: every arrival's latency, and whether each client got its whole log.
   */
  async manyFollowers(
    followers: number,
    logs: number,
    everyMs: number,
    ms: number,
  ): Promise<{ latencies: number[]; complete: number; lines: number; connectedRssMb: number }> {
    const tasks = await Promise.all(
      Array.from({ length: logs }, (_, i) => this.tasks.enqueue({ type: TASK_TYPE, description: `bench: log ${i}` })),
    );
    const writers = await Promise.all(tasks.map((t) => this.tasks.openLog(t.id, 'debug')));
    const sent = tasks.map(() => new Map<number, number>());
    const latencies: number[] = [];
    const clients: Follower[] = [];
    for (let i = 0; i < followers; i++) {
      const which = i % logs;
      clients.push(await this.follow(tasks[which].id, (n, at) => latencies.push(at - sent[which].get(n)!)));
    }
    await sleep(1000);
    const connectedRssMb = this.daemon.rssMb();
    const until = Date.now() + ms;
    let lines = 0;
    await Promise.all(
      writers.map(async (w, which) => {
        await sleep(Math.random() * everyMs);
        for (let i = 0; Date.now() < until; i++) {
          await this.append(w, i, sent[which], everyMs);
          lines++;
        }
      }),
    );
    const expected = tasks.map((_, i) => sent[i].size);
    const settle = Date.now() + 5000;
    const completeCount = () => clients.filter((c, i) => c.received === expected[i % logs]).length;
    while (completeCount() < followers && Date.now() < settle) await sleep(50);
    const complete = completeCount();
    for (const c of clients) c.close();
    for (const t of tasks) await this.tasks.cancel(t);
    return { latencies, complete, lines, connectedRssMb };
  }

  private async append(w: TaskLogWriter, n: number, sent: Map<number, number>, thenWaitMs: number): Promise<void> {
    sent.set(n, performance.now());
    await w.write(`bench-line ${n} ${'x'.repeat(60)}\n`);
    await sleep(thenWaitMs);
  }

  /** One client following a task's debug log from its start; `seen` is called once per bench line. */
  private follow(taskId: number, seen: (n: number, at: number) => void): Promise<Follower> {
    return new Promise((resolve, reject) => {
      const state = { received: 0, close: () => req.destroy() };
      let answered = false;
      let carry = '';
      const req = https.get(
        {
          host: '127.0.0.1',
          port: this.daemon.client.port,
          servername: 'localhost',
          path: `/tasks/${taskId}/output?type=debug`,
          agent: this.agent,
          headers: { Authorization: this.daemon.auth, Accept: 'text/event-stream' },
        },
        (res) => {
          answered = true;
          if (res.statusCode !== 200) return reject(new Error(`follow: ${res.statusCode}`));
          res.setEncoding('utf8');
          res.on('data', (text: string) => {
            const at = performance.now();
            const all = carry + text;
            const cut = all.lastIndexOf('\n');
            carry = all.slice(cut + 1);
            for (const m of all.slice(0, cut + 1).matchAll(LINE)) {
              state.received++;
              seen(Number(m[1]), at);
            }
          });
          res.on('error', () => undefined);
          resolve(state);
        },
      );
      req.on('error', (err) => (answered ? undefined : reject(err)));
    });
  }

  /** The BOSH CLI's loop: the task, then its output from the offset reached, every 500 ms. */
  private async poll(taskId: number, seen: (n: number, at: number) => void, going: () => boolean): Promise<void> {
    const client = this.daemon.client;
    let offset = 0;
    while (going()) {
      await client.request('GET', `/tasks/${taskId}`, { auth: this.daemon.auth });
      const r = await client.request('GET', `/tasks/${taskId}/output?type=debug`, {
        auth: this.daemon.auth,
        headers: { Range: `bytes=${offset}-` },
      });
      const at = performance.now();
      if (r.status === 206) {
        offset += r.body.length;
        for (const m of r.text.matchAll(LINE)) seen(Number(m[1]), at);
      } else if (r.status !== 416) {
        throw new Error(`poll: ${r.status}`);
      }
      await sleep(CLI_POLL_MS);
    }
  }
}

export const p50 = (xs: number[]) => percentile(xs, 50);
export const p99 = (xs: number[]) => percentile(xs, 99);
