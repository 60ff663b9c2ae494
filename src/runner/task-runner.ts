import type { Database } from '../db/database';
import type { TaskSignal } from '../db/notifier';
import { DirectorError } from '../errors/director-error';
import { TaskCancelledError, TaskLostError } from '../errors/task-cancelled';
import type { Logger } from '../logger';
import { SecretRedactor } from '../secrets/secret-redactor';
import { Task, TaskState, truncateResult } from '../tasks/task';
import { TASK_LOGS } from '../tasks/task-log';
import { FinishBatcher } from '../tasks/finish-batcher';
import { LogAppendBatcher } from '../tasks/log-append-batcher';
import { TaskLogWriter } from '../tasks/task-log-writer';
import type { LocalDispatch } from '../tasks/local-dispatch';
import { ClaimedTask, TasksRepo } from '../tasks/tasks-repo';
import { formatDebugLine } from './debug-format';
import { timeOutStaleTasks } from './liveness';
import type { OperationRegistry } from './operation';
import { createTaskContext, LogWriters } from './task-context';
import { redactingTaskLogger } from './task-logger';

export interface RunnerOptions {
  nodeId: string;
  workers: number;
  pollIntervalMs: number;
  checkpointIntervalMs: number;
  timeoutSeconds: number;
}

interface Running {
  task: Task;
  /** When this node claimed it (its own clock), to judge checkpoint answers that predate the claim. */
  claimedAt: number;
  controller: AbortController;
  done: Promise<void>;
}

/**
 * Claims queued tasks (up to `workers` at once), runs their operations, and alone moves the tasks it
 * runs to their final state. New tasks arrive through the notifier; polling is only the fallback.
 * While it runs tasks it checkpoints them, and it times out tasks other nodes stopped checkpointing.
 */
export class TaskRunner implements LocalDispatch {
  private readonly tasks: TasksRepo;
  /** Every running task's log writes share this node's commits. */
  private readonly appender: LogAppendBatcher;
  /** Tasks ending at the same time share the statement that ends them. */
  private readonly finishes: FinishBatcher;
  private readonly running = new Map<number, Running>();
  /**
   * Workers whose operation is running. A task whose operation has returned no longer holds its worker
   * while the statement that ends it is sent (it stays in `running` until it has ended).
   */
  private busy = 0;
  private claimsInFlight = 0;
  /** Workers the claims in flight, and the tasks being created for this node (LocalDispatch), may fill. */
  private reserved = 0;
  private claimAgain = false;
  /**
   * Whether queued tasks may be waiting for this node: false once a claim found fewer tasks than it had
   * workers for, true again on a wake-up. A task ending claims only then, so it does not hold workers
   * (and a claim's round trip) for nothing.
   */
  private backlog = true;
  private stopping = false;
  private timers: NodeJS.Timeout[] = [];
  private unsubscribe: (() => void) | null = null;

  constructor(
    private readonly db: Database,
    private readonly registry: OperationRegistry,
    private readonly opts: RunnerOptions,
    private readonly log: Logger,
  ) {
    this.tasks = new TasksRepo(db.knex);
    this.appender = new LogAppendBatcher(db.knex);
    this.finishes = new FinishBatcher(db.knex, this.tasks, opts.nodeId, db.notifier.viaDatabase);
  }

  get nodeId(): string {
    return this.opts.nodeId;
  }

  private get freeWorkers(): number {
    return this.opts.workers - this.busy - this.reserved;
  }

  get runningTaskIds(): number[] {
    return [...this.running.keys()];
  }

  async start(): Promise<void> {
    await timeOutStaleTasks(this.db, this.opts.timeoutSeconds, this.log, this.opts.nodeId);
    this.unsubscribe = this.db.notifier.subscribe((s) => this.onSignal(s));
    this.timers.push(setInterval(() => this.claim(), this.opts.pollIntervalMs));
    this.timers.push(setInterval(() => void this.checkpoint(), this.opts.checkpointIntervalMs));
    this.claim();
  }

  /** Stops claiming, waits up to `graceMs` for running tasks, then stops checkpointing. */
  async stop(graceMs: number): Promise<{ unfinished: number[] }> {
    this.stopping = true;
    this.unsubscribe?.();
    for (const t of this.timers.splice(0)) clearInterval(t);
    // Running tasks stay alive while they drain.
    const keepAlive = setInterval(() => void this.checkpoint(), this.opts.checkpointIntervalMs);
    // Tasks being claimed, or created for this node, join the running ones first (within the grace).
    const deadline = Date.now() + graceMs;
    while ((this.claimsInFlight > 0 || this.reserved > 0) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 5));
    const all = Promise.all([...this.running.values()].map((r) => r.done));
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([all, new Promise((r) => (timer = setTimeout(r, Math.max(0, deadline - Date.now()))))]);
    clearTimeout(timer);
    clearInterval(keepAlive);
    return { unfinished: this.runningTaskIds };
  }

  reserve(type: string): boolean {
    if (this.stopping || !this.registry.has(type) || this.freeWorkers <= 0) return false;
    this.reserved++;
    return true;
  }

  release(): void {
    this.reserved--;
  }

  launch(claimed: ClaimedTask): void {
    this.reserved--;
    this.runClaimed(claimed.task, claimed.logSizes);
  }

  startLine(): string {
    return formatDebugLine(0, 'INFO', 'DirectorJobRunner', 'Starting task: %ID%');
  }

  private onSignal(s: TaskSignal): void {
    if (s.kind === 'cancel') {
      this.running.get(s.id)?.controller.abort(new TaskCancelledError(s.id));
    } else if ((s.kind === 'queued' && (s.type === null || this.registry.has(s.type))) || (s.kind === 'finished' && s.queue !== null)) {
      // A task queued, or the end of one whose serial queue may hold the next: there may be work to claim.
      this.backlog = true;
      this.claim(true);
    }
  }

  /**
   * Claims as many tasks as there are free workers; coalesces wake-ups that arrive meanwhile. A task
   * queued while a claim is in flight (`urgent`) starts a second claim at once rather than waiting for
   * the first to return, for the workers that claim did not ask for.
   */
  private claim(urgent = false): void {
    if (this.stopping) return;
    const unreserved = this.freeWorkers;
    if (this.claimsInFlight > 0 && !(urgent && this.claimsInFlight < 2 && unreserved > 0)) {
      this.claimAgain = true;
      return;
    }
    this.claimsInFlight++;
    void (async () => {
      try {
        do {
          this.claimAgain = false;
          const free = this.freeWorkers;
          if (free <= 0 || this.stopping) {
            // The wake-up this loop took must not be lost: the claim in flight (if any) looks again.
            if (this.reserved > 0) this.claimAgain = true;
            break;
          }
          this.reserved += free;
          let claimed: ClaimedTask[];
          try {
            claimed = await this.tasks.claim(this.opts.nodeId, free, this.registry.types, this.startLine());
          } finally {
            this.reserved -= free;
          }
          for (const { task, logSizes } of claimed) this.runClaimed(task, logSizes);
          if (claimed.length === free) this.claimAgain = true;
          else this.backlog = false;
        } while (this.claimAgain && !this.stopping);
      } catch (err) {
        this.log.error({ err }, 'claiming tasks failed');
      } finally {
        this.claimsInFlight--;
      }
    })();
  }

  private runClaimed(task: Task, logSizes: ClaimedTask['logSizes']): void {
    const controller = new AbortController();
    const entry: Running = { task, controller, claimedAt: Date.now(), done: Promise.resolve() };
    this.running.set(task.id, entry);
    this.busy++;
    let freed = false;
    const freeWorker = () => {
      if (freed) return;
      freed = true;
      this.busy--;
      if (this.backlog) this.claim();
    };
    entry.done = this.run(task, logSizes, controller, freeWorker)
      .catch((err) => this.log.error({ err, taskId: task.id }, 'task bookkeeping failed'))
      .finally(() => {
        this.running.delete(task.id);
        freeWorker();
      });
  }

  /**
   * Runs a claimed task (its debug log already says it started) and moves it to its final state;
   * `freeWorker` is called once the operation is over and only the statement that ends the task is left.
   */
  private async run(task: Task, sizes: ClaimedTask['logSizes'], controller: AbortController, freeWorker: () => void): Promise<void> {
    // Everything written about the task, from its logs to its result and the daemon's lines, passes through it.
    const redactor = new SecretRedactor();
    const log = redactingTaskLogger(this.log, task, redactor);
    const writers = Object.fromEntries(
      TASK_LOGS.map((name) => [name, new TaskLogWriter(this.appender, task.id, name, sizes[name] ?? 0)]),
    ) as LogWriters;
    const ctx = createTaskContext(task, writers, controller.signal, log, redactor);
    let state: TaskState;
    let result: string;
    try {
      const op = this.registry.get(task.type)!;
      const params = op.params.parse(task.params);
      ctx.checkpoint();
      result = await op.run(params, ctx);
      state = 'done';
    } catch (err) {
      const reason = controller.signal.aborted ? controller.signal.reason : err;
      if (reason instanceof TaskLostError) {
        log.warn({ err: reason }, 'task lost to another node');
        return;
      }
      if (reason instanceof TaskCancelledError) {
        state = 'cancelled';
        result = 'task cancelled';
        await this.bestEffort(ctx.events.error(10001, reason.message));
        await this.bestEffort(ctx.debug(`Task ${task.id} cancelled`));
      } else {
        const e = err instanceof Error ? err : new Error(String(err));
        state = 'error';
        result = e.message || e.name;
        await this.bestEffort(ctx.events.error(e instanceof DirectorError ? e.code : 100, e.message));
        await this.bestEffort(ctx.debug(e.stack ?? e.message, 'ERROR'));
        log.info({ err: e }, 'task failed');
      }
    }
    // Everything the task wrote is stored before its state turns final, or by the statement that ends it:
    // what is still queued (a short task's every line) goes with that statement.
    const rest = await Promise.all(Object.entries(writers).map(async ([name, w]) => (await w.takeRest()).map((c) => ({ log: name, ...c }))));
    const failed = Object.values(writers).find((w) => w.failed)?.failed;
    if (failed instanceof TaskLostError) {
      log.warn({ err: failed }, 'task lost to another node');
      return;
    }
    if (failed && state! === 'done') {
      state = 'error';
      result = `Storing the task's logs failed: ${failed.message}`;
    }
    // A done task's closing debug line is written by the statement that ends it.
    const lastChunks = rest.flat();
    if (state === 'done') {
      const doneLine = Buffer.from(formatDebugLine(task.id, 'INFO', 'DirectorJobRunner', `Task ${task.id} done`));
      lastChunks.push({ log: 'debug', offset: writers.debug.bytesWritten, data: doneLine });
    }
    // Redacted before truncating: a cut could otherwise leave a secret's first part unmatched.
    const ending = this.finishes.finish({ id: task.id, state, result: truncateResult(redactor.text(result)), chunks: lastChunks });
    freeWorker();
    const ended = await ending;
    if (!ended) log.warn('task was no longer ours to finish (timed out meanwhile)');
    else if (!this.db.notifier.viaDatabase) this.db.notifier.publish({ kind: 'finished', id: task.id, queue: task.queueName });
  }

  private async bestEffort(p: Promise<void>): Promise<void> {
    await p.catch((err) => this.log.warn({ err }, 'writing a task log failed'));
  }

  /** Marks this node's tasks alive, aborts those cancelled or lost, and times out other nodes' stale tasks. */
  private async checkpoint(): Promise<void> {
    try {
      const asked = Date.now();
      const alive = new Map((await this.tasks.checkpoint(this.opts.nodeId)).map((t) => [t.id, t.state]));
      for (const [id, r] of this.running) {
        const state = alive.get(id);
        if (state === 'cancelling') r.controller.abort(new TaskCancelledError(id));
        else if (state === undefined && r.claimedAt < asked && !r.controller.signal.aborted) {
          // Not ours any more (another node timed it out): stop working on it.
          r.controller.abort(new TaskLostError(`task ${id} is no longer running on this node`));
        }
      }
      if (!this.stopping) await timeOutStaleTasks(this.db, this.opts.timeoutSeconds, this.log);
    } catch (err) {
      this.log.error({ err }, 'checkpoint failed');
    }
  }
}
