import { asError } from '../../src/errors/as-error';
import { z } from 'zod';
import type { Database } from '../../src/db/database';
import { defineOperation, Operation, OperationRegistry } from '../../src/runner/operation';
import { RunnerOptions, TaskRunner } from '../../src/runner/task-runner';
import type { Task } from '../../src/tasks/task';
import type { TaskService } from '../../src/tasks/task-service';
import { silentLog } from './databases';

/** Runners started by `startRunner` and not yet stopped (the root hook checks none is left at the end). */
export const running = new Set<TaskRunner>();

/** A runner with short timings; stopped by `stopRunners()` in each suite's afterEach. */
export async function startRunner(
  db: Database,
  ops: Array<Operation<unknown>>,
  opts: Partial<RunnerOptions> = {},
): Promise<TaskRunner> {
  const runner = new TaskRunner(
    db,
    new OperationRegistry(ops),
    { nodeId: 'node-a', workers: 4, pollIntervalMs: 60_000, checkpointIntervalMs: 200, timeoutSeconds: 2, ...opts },
    silentLog,
  );
  await runner.start();
  running.add(runner);
  return runner;
}

export async function stopRunners(): Promise<void> {
  // A long grace: a task still running when the next test empties the tables would end a task that reuses its id.
  for (const r of running) await r.stop(30_000);
  running.clear();
}

/** Polls a task until `until` holds (default: a final state). */
export async function waitForTask(
  tasks: TaskService,
  id: number,
  until: (t: Task) => boolean = (t) => ['done', 'error', 'cancelled', 'timeout'].includes(t.state),
  timeoutMs = 15_000,
): Promise<Task> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const t = await tasks.get(id);
    if (t && until(t)) return t;
    if (Date.now() > deadline) throw new Error(`task ${id} still ${t?.state} after ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

export async function readLog(
  tasks: TaskService,
  id: number,
  log: 'event' | 'debug' | 'result' | 'cpi',
): Promise<string> {
  const size = (await tasks.logSize(id, log)) ?? 0;
  const parts: Buffer[] = [];
  for await (const b of tasks.readLog(id, log, 0, size)) parts.push(b);
  return Buffer.concat(parts).toString('utf8');
}

/** Waits `ms` (or until cancelled), in one step of one stage. */
export const sleepOp = defineOperation({
  type: 'test_sleep',
  params: z.object({ ms: z.number() }),
  async run({ ms }, ctx) {
    await ctx.beginStage('Sleeping', 1).step(`${ms} ms`, async () => {
      await new Promise<void>((resolve, reject) => {
        const t = setTimeout(resolve, ms);
        ctx.signal.addEventListener('abort', () => {
          clearTimeout(t);
          reject(asError(ctx.signal.reason));
        });
      });
    });
    return `slept ${ms} ms`;
  },
});

export const failOp = defineOperation({
  type: 'test_fail',
  params: z.object({ message: z.string() }),
  async run({ message }, ctx) {
    await ctx.beginStage('Preparing', 1).step('about to fail', () => {
      throw new Error(message);
    });
    return 'unreachable';
  },
});

/** Records which node ran it and when, for the exactly-once and serial-queue checks. */
export function recordOp(log: Array<{ id: number; node: string; start: number; end: number }>, holdMs = 0) {
  return defineOperation({
    type: 'test_record',
    params: z.object({}).passthrough(),
    async run(_params, ctx) {
      const start = Date.now();
      if (holdMs) await new Promise((r) => setTimeout(r, holdMs));
      log.push({ id: ctx.task.id, node: ctx.task.nodeId ?? '', start, end: Date.now() });
      await ctx.result({ ran: ctx.task.id });
      return 'recorded';
    },
  });
}
