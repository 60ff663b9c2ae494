import type { Knex } from 'knex';
import type { Database } from '../db/database';
import { eventErrorLine } from './event-log';
import { formatDebugLine } from './debug-format';
import { isCancellable, RUNNING_STATES, sqlStates, Task, TaskState, TERMINAL_STATES } from './task';
import type { TaskLogName } from './task-log';
import type { LocalDispatch } from './local-dispatch';
import { LogAppendBatcher } from './log-append-batcher';
import { LogFeed, LogFeedItem } from './log-feed';
import { TaskLogWriter } from './task-log-writer';
import { TaskLogsRepo } from './task-logs-repo';
import { StatementBatcher } from './statement-batcher';
import { EnqueuedTask, NewTask, TaskFilter, TasksRepo } from './tasks-repo';
import { BOSUN_VERSION } from '../version';
import type { RawRows } from '../db/row-values';

export type { NewTask } from './tasks-repo';

/** The debug lines of a task as bosun_enqueue_tasks stores them, with its id in place of [task:0] and %ID%. */
const withTaskId = (lines: string, id: number) =>
  lines.replaceAll('[task:0]', `[task:${id}]`).replaceAll('%ID%', String(id));

export type CancelOutcome =
  { outcome: 'cancelled' | 'cancelling'; task: Task } | { outcome: 'not_cancellable'; task: Task };

/**
 * Creating, finding, listing, cancelling and deleting tasks, and reading their logs: what the API
 * families call, and all they may call (the repositories behind it are its own). Running tasks is the
 * runner's job, and only the runner moves a task it runs to a final state.
 */
export class TaskService {
  private readonly tasks: TasksRepo;
  private readonly logs: TaskLogsRepo;
  private readonly appender: LogAppendBatcher;
  private readonly feed: LogFeed;
  private dispatch: LocalDispatch | null = null;
  /** Tasks queued at the same time share a statement. */
  private readonly enqueues: StatementBatcher<EnqueuedTask, Task>;

  /** `onLogBytes`: told of the log bytes stored through the writers it opens (the node's metrics). */
  constructor(
    private readonly db: Database,
    onLogBytes?: (log: string, bytes: number) => void,
  ) {
    this.tasks = new TasksRepo(db.knex);
    this.logs = new TaskLogsRepo(db.knex);
    this.appender = new LogAppendBatcher(db.knex, onLogBytes && ((c) => onLogBytes(c.log, c.data.length)));
    this.feed = new LogFeed(this.logs, db.notifier);
    this.enqueues = new StatementBatcher((rows) => this.tasks.enqueueMany(db.knex, rows, db.notifier.viaDatabase));
  }

  /** Tasks queued here go straight to `runner` while it has a free worker. */
  dispatchTo(runner: LocalDispatch): void {
    this.dispatch = runner;
  }

  /**
   * Records a queued task, with the first lines of its debug log; the runners of every node are woken
   * as it commits. `withRows` stores a family's own rows for the task in the same transaction (a task and
   * its rows are stored together or not at all).
   *
   * When this node's runner has a free worker, the task (in no serial queue, whose order only a claim
   * can keep) is created claimed by this node instead, and started once it has committed.
   */
  async enqueue(t: NewTask, withRows?: (trx: Knex.Transaction, task: Task) => Promise<void>): Promise<Task> {
    const local = this.reserveLocal(t);
    const row = this.enqueued(t, local);
    const notify = this.db.notifier.viaDatabase;
    let task: Task;
    try {
      // Without rows of their own, tasks queued at the same time share a statement.
      task = withRows
        ? await this.db.knex.transaction(async (trx) => {
            const [created] = await this.tasks.enqueueMany(trx, [row], notify);
            await withRows(trx, created);
            return created;
          })
        : await this.enqueues.submit(row);
    } catch (err) {
      local?.release();
      throw err;
    }
    if (local) this.launch(local, task, row);
    else if (!notify) this.db.notifier.publish({ kind: 'queued', id: task.id, type: task.type });
    return task;
  }

  /**
   * Stores many tasks in one statement each time `work` calls `enqueue`, in the transaction `work` stores
   * its own rows in (the tasks and those rows are stored together or not at all). The runners are woken
   * once per task type rather than once per task; as many tasks as this node has free workers for are
   * created claimed by it, and started once the transaction has committed.
   */
  async enqueueBatch<T>(
    work: (trx: Knex.Transaction, enqueue: (tasks: NewTask[]) => Promise<Task[]>) => Promise<T>,
  ): Promise<T> {
    const notify = this.db.notifier.viaDatabase;
    const held: LocalDispatch[] = [];
    const toLaunch: Array<{ local: LocalDispatch; task: Task; row: EnqueuedTask }> = [];
    const wake = new Map<string, Task>();
    let out: T;
    try {
      out = await this.db.knex.transaction((trx) =>
        work(trx, async (tasks) => {
          if (!tasks.length) return [];
          const locals = tasks.map((t) => this.reserveLocal(t));
          held.push(...locals.filter((l): l is LocalDispatch => l !== null));
          const rows = tasks.map((t, i) => this.enqueued(t, locals[i]));
          const created = await this.tasks.enqueueMany(trx, rows, false);
          const firstOfType: Task[] = [];
          created.forEach((task, i) => {
            const local = locals[i];
            if (local) toLaunch.push({ local, task, row: rows[i] });
            else if (!wake.has(task.type)) {
              wake.set(task.type, task);
              firstOfType.push(task);
            }
          });
          if (notify) await this.tasks.notifyQueued(trx, firstOfType);
          return created;
        }),
      );
    } catch (err) {
      for (const local of held) local.release();
      throw err;
    }
    for (const { local, task, row } of toLaunch) this.launch(local, task, row);
    if (!notify)
      for (const task of wake.values()) this.db.notifier.publish({ kind: 'queued', id: task.id, type: task.type });
    return out;
  }

  /** This node's runner, holding a free worker for `t`, when `t` may start here at once (no serial queue, no pin elsewhere). */
  private reserveLocal(t: NewTask): LocalDispatch | null {
    const mayRunHere = !t.queueName && (!t.pinnedNodeId || t.pinnedNodeId === this.dispatch?.nodeId);
    return mayRunHere && this.dispatch?.reserve(t.type) ? this.dispatch : null;
  }

  /** A task as it is stored: queued, or created claimed by this node when `local` holds a worker for it. */
  private enqueued(t: NewTask, local: LocalDispatch | null): EnqueuedTask {
    return {
      ...t,
      state: local ? 'processing' : 'queued',
      nodeId: local?.nodeId ?? null,
      debug:
        formatDebugLine(0, 'INFO', 'TaskHelper', `Director Version: ${BOSUN_VERSION}`) +
        formatDebugLine(0, 'INFO', 'TaskHelper', 'Enqueuing task: %ID%') +
        (local ? local.startLine() : ''),
    };
  }

  private launch(local: LocalDispatch, task: Task, row: EnqueuedTask): void {
    local.launch({ task, logSizes: { debug: Buffer.byteLength(withTaskId(row.debug, task.id)) } });
  }

  get(id: number): Promise<Task | null> {
    return this.tasks.findById(id);
  }

  list(filter: TaskFilter): Promise<Task[]> {
    return this.tasks.list(filter);
  }

  /** Tasks a node is running, `cancelling` ones included (their operation has not stopped yet). */
  listRunning(): Promise<Task[]> {
    return this.tasks.list({ states: RUNNING_STATES });
  }

  /** Whether a task is running on `nodeId` now. */
  isRunningOn(id: number, nodeId: string): Promise<boolean> {
    return this.tasks.isRunningOn(id, nodeId);
  }

  /**
   * Deletes a task that is not running, with its logs and family rows. False when it is running or gone.
   * `trx`: a family's transaction the deletion joins (its own rows go or stay with the task).
   */
  deleteUnlessRunning(id: number, trx?: Knex.Transaction): Promise<boolean> {
    return this.tasks.deleteUnlessRunning(id, trx);
  }

  /** Task types that may have more than `keep` finished tasks (retention's survey). */
  typesOverRetention(keep: number): Promise<string[]> {
    return this.tasks.typesOverRetention(keep);
  }

  /** The id at and below which the finished tasks of `type` are past retention (null: none are). */
  retentionCutoff(type: string, keep: number): Promise<number | null> {
    return this.tasks.retentionCutoff(type, keep);
  }

  /** Deletes up to `limit` finished tasks of `type` at or below `cutoff`, with their logs; the count deleted. */
  deleteFinishedUpTo(type: string, cutoff: number, limit: number): Promise<number> {
    return this.tasks.deleteFinishedUpTo(type, cutoff, limit);
  }

  /** Size in bytes of one of a task's logs; null when the task never wrote it. */
  logSize(taskId: number, log: TaskLogName): Promise<number | null> {
    return this.logs.size(taskId, log);
  }

  /** The bytes [from, to) of one of a task's logs, in order. */
  readLog(taskId: number, log: TaskLogName, from: number, to: number): AsyncGenerator<Buffer> {
    return this.logs.read(taskId, log, from, to);
  }

  /**
   * One of a task's logs from `from` on, as its bytes are stored (on whichever node runs the task), then
   * its end once the task has ended; until `signal` aborts.
   */
  followLog(taskId: number, log: TaskLogName, from: number, signal: AbortSignal): AsyncGenerator<LogFeedItem> {
    return this.feed.follow(taskId, log, from, signal);
  }

  /** Logs followed live on this node, and their followers. */
  get followed(): { logs: number; followers: number } {
    return this.feed.stats;
  }

  /**
   * A queued task is cancelled at once (its event log says so first); a processing one turns
   * `cancelling` and the node running it aborts the operation, which ends it `cancelled`.
   */
  async cancel(task: Task): Promise<CancelOutcome> {
    if (!isCancellable(task.state)) return { outcome: 'not_cancellable', task };
    const notify = this.db.notifier.viaDatabase;
    if (task.state === 'queued') {
      const cancelled = await this.db.knex.transaction(async (trx) => {
        const locked = await trx.raw<RawRows>(
          `select id from tasks where id = ? and state = ${sqlStates('queued')} for update skip locked`,
          [task.id],
        );
        if (!locked.rows.length) return null;
        await this.logs.appendAtEnd(trx, task.id, 'event', eventErrorLine(10001, `Task ${task.id} cancelled`));
        return this.tasks.cancelQueued(trx, task.id, notify);
      });
      if (cancelled) {
        if (!notify) this.db.notifier.publish({ kind: 'finished', id: task.id, queue: cancelled.queueName });
        return { outcome: 'cancelled', task: cancelled };
      }
    } else {
      const cancelling = await this.tasks.requestCancel(task.id, notify);
      if (cancelling) {
        if (!notify) this.db.notifier.publish({ kind: 'cancel', id: task.id });
        return { outcome: 'cancelling', task: cancelling };
      }
    }
    // It moved on while we looked (claimed, or finished): judge it again in its new state.
    const now = await this.tasks.findById(task.id);
    if (!now || !isCancellable(now.state)) return { outcome: 'not_cancellable', task: now ?? task };
    return this.cancel(now);
  }

  /** `POST /tasks/cancel`: cancels every matching task that can be; the rest are skipped. */
  async cancelMatching(f: { states: TaskState[]; types?: string[]; deployment?: string }): Promise<number> {
    let count = 0;
    for (const id of await this.tasks.findCancellable(f)) {
      const task = await this.tasks.findById(id);
      if (task && (await this.cancel(task)).outcome !== 'not_cancellable') count++;
    }
    return count;
  }

  /**
   * Appends to the end of a finished task's log, holding the task's row so that appenders take turns
   * (each starts where the last one ended). `build` makes the bytes in the same transaction, so rows of a
   * family's that they come from can go with them (or stay, if the append fails). While the task is not
   * finished its runner alone writes its logs: answers `unfinished` then, without calling `build`.
   */
  async appendToFinished(
    taskId: number,
    log: 'event' | 'debug' | 'result',
    build: (trx: Knex.Transaction) => Promise<string>,
  ): Promise<'appended' | 'unfinished' | 'missing'> {
    return this.db.knex.transaction(async (trx) => {
      const locked = await trx.raw<{ rows: Array<{ state: TaskState }> }>(
        'select state from tasks where id = ? for update',
        [taskId],
      );
      const row = locked.rows[0];
      if (!row) return 'missing';
      if (!TERMINAL_STATES.includes(row.state)) return 'unfinished';
      const data = await build(trx);
      if (data) await this.logs.appendAtEnd(trx, taskId, log, data);
      return 'appended';
    });
  }

  /** A writer appending to one of a task's logs from its current end (for work done outside the runner). */
  async openLog(taskId: number, log: 'event' | 'debug' | 'result' | 'cpi'): Promise<TaskLogWriter> {
    const size = (await this.logs.size(taskId, log)) ?? 0;
    return new TaskLogWriter(this.appender, taskId, log, size);
  }
}
