import type { Database } from '../db/database';
import type { TaskSignal } from '../db/notifier';
import { TaskCancelledError } from '../errors/task-cancelled';
import type { Logger } from '../logger';
import type { Task } from '../tasks/task';
import { FinishBatcher } from '../tasks/finish-batcher';
import { LogAppendBatcher } from '../tasks/log-append-batcher';
import type { LocalDispatch } from '../tasks/local-dispatch';
import { ClaimedTask, TasksRepo } from '../tasks/tasks-repo';
import { Checkpointer } from './checkpointer';
import { ClaimLoop, startLine } from './claim-loop';
import { timeOutStaleTasks } from './liveness';
import type { OperationRegistry } from './operation';
import type { RunningTask } from './running-task';
import { TaskExecutor } from './task-execution';
import type { TaskObserver } from './task-observer';

export interface RunnerOptions {
  nodeId: string;
  workers: number;
  pollIntervalMs: number;
  checkpointIntervalMs: number;
  timeoutSeconds: number;
}

/**
 * A node's runner: claims queued tasks (up to `workers` at once; ClaimLoop), runs their operations
 * (TaskExecutor), and alone moves the tasks it runs to their final state. New tasks arrive through the
 * notifier; polling is only the fallback. While it runs tasks it checkpoints them (Checkpointer), and
 * it times out tasks other nodes stopped checkpointing.
 */
export class TaskRunner implements LocalDispatch {
  private readonly running = new Map<number, RunningTask>();
  private readonly claims: ClaimLoop;
  private readonly executor: TaskExecutor;
  private readonly checkpointer: Checkpointer;
  private timers: NodeJS.Timeout[] = [];
  private unsubscribe: (() => void) | null = null;
  private started = false;

  constructor(
    private readonly db: Database,
    private readonly registry: OperationRegistry,
    private readonly opts: RunnerOptions,
    private readonly log: Logger,
    private readonly observer?: TaskObserver,
  ) {
    const tasks = new TasksRepo(db.knex);
    const finishes = new FinishBatcher(db.knex, tasks, opts.nodeId, db.notifier.viaDatabase);
    this.claims = new ClaimLoop(tasks, registry, opts, (c) => this.runClaimed(c.task, c.logSizes), log);
    const appender = new LogAppendBatcher(db.knex, observer && ((c) => observer.logBytes(c.log, c.data.length)));
    this.executor = new TaskExecutor(db, registry, appender, finishes, log, observer);
    this.checkpointer = new Checkpointer(db, tasks, this.running, opts, log);
  }

  get nodeId(): string {
    return this.opts.nodeId;
  }

  /** Whether it is claiming tasks (started and not stopping). */
  get claiming(): boolean {
    return this.started && !this.claims.stopped;
  }

  /** Workers this node has, and how many run a task now. */
  get workers(): { total: number; busy: number } {
    return { total: this.opts.workers, busy: this.running.size };
  }

  get runningTaskIds(): number[] {
    return [...this.running.keys()];
  }

  async start(): Promise<void> {
    await timeOutStaleTasks(this.db, this.opts.timeoutSeconds, this.log, this.opts.nodeId);
    this.unsubscribe = this.db.notifier.subscribe((s) => this.onSignal(s));
    this.timers.push(setInterval(() => this.claims.claim(), this.opts.pollIntervalMs));
    this.timers.push(setInterval(() => void this.checkpoint(), this.opts.checkpointIntervalMs));
    this.claims.claim();
    this.started = true;
  }

  /** Stops claiming, waits up to `graceMs` for running tasks, then stops checkpointing. */
  async stop(graceMs: number): Promise<{ unfinished: number[] }> {
    this.claims.stop();
    this.unsubscribe?.();
    for (const t of this.timers.splice(0)) clearInterval(t);
    // Running tasks stay alive while they drain.
    const keepAlive = setInterval(() => void this.checkpoint(), this.opts.checkpointIntervalMs);
    // Tasks being claimed, or created for this node, join the running ones first (within the grace).
    const deadline = Date.now() + graceMs;
    while (!this.claims.settled && Date.now() < deadline) await new Promise((r) => setTimeout(r, 5));
    const all = Promise.all([...this.running.values()].map((r) => r.done));
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([all, new Promise((r) => (timer = setTimeout(r, Math.max(0, deadline - Date.now()))))]);
    clearTimeout(timer);
    clearInterval(keepAlive);
    return { unfinished: this.runningTaskIds };
  }

  reserve(type: string): boolean {
    return this.claims.reserve(type);
  }

  release(): void {
    this.claims.release();
  }

  launch(claimed: ClaimedTask): void {
    this.claims.release();
    this.runClaimed(claimed.task, claimed.logSizes);
  }

  startLine(): string {
    return startLine();
  }

  private onSignal(s: TaskSignal): void {
    if (s.kind === 'cancel') {
      this.running.get(s.id)?.controller.abort(new TaskCancelledError(s.id));
    } else if (
      (s.kind === 'queued' && (s.type === null || this.registry.has(s.type))) ||
      (s.kind === 'finished' && s.queue !== null)
    ) {
      // A task queued, or the end of one whose serial queue may hold the next: there may be work to claim.
      this.claims.wake();
    }
  }

  private runClaimed(task: Task, logSizes: ClaimedTask['logSizes']): void {
    const controller = new AbortController();
    const entry: RunningTask = { task, controller, claimedAt: Date.now(), done: Promise.resolve() };
    this.running.set(task.id, entry);
    this.claims.occupyWorker();
    this.observer?.claimed(task);
    let freed = false;
    const freeWorker = () => {
      if (freed) return;
      freed = true;
      this.claims.freeWorker();
    };
    entry.done = this.executor
      .run(task, logSizes, controller, freeWorker)
      .catch((err) => this.log.error({ err, taskId: task.id }, 'task bookkeeping failed'))
      .finally(() => {
        this.running.delete(task.id);
        freeWorker();
      });
  }

  private checkpoint(): Promise<void> {
    return this.checkpointer.checkpoint(() => !this.claims.stopped);
  }
}
