import type { Database } from '../db/database';
import { DirectorError } from '../errors/director-error';
import { TaskCancelledError, TaskLostError } from '../errors/task-cancelled';
import type { Logger } from '../logger';
import { SecretRedactor } from '../secrets/secret-redactor';
import { formatDebugLine } from '../tasks/debug-format';
import type { FinishBatcher } from '../tasks/finish-batcher';
import type { LogAppendBatcher } from '../tasks/log-append-batcher';
import { Task, TaskState, truncateResult } from '../tasks/task';
import { TASK_LOGS } from '../tasks/task-log';
import { TaskLogWriter } from '../tasks/task-log-writer';
import type { ClaimedTask } from '../tasks/tasks-repo';
import type { OperationRegistry } from './operation';
import { createTaskContext, LogWriters } from './task-context';
import { redactingTaskLogger } from './task-logger';
import type { TaskObserver } from './task-observer';

/**
 * Runs one claimed task's operation and moves the task to its final state: what it returns or throws
 * becomes the state, the result and the closing log lines, stored with the statement that ends it.
 */
export class TaskExecutor {
  constructor(
    private readonly db: Database,
    private readonly registry: OperationRegistry,
    /** Every running task's log writes share this node's commits. */
    private readonly appender: LogAppendBatcher,
    /** Tasks ending at the same time share the statement that ends them. */
    private readonly finishes: FinishBatcher,
    private readonly log: Logger,
    private readonly observer?: TaskObserver,
  ) {}

  /**
   * Runs a claimed task (its debug log already says it started) and moves it to its final state;
   * `freeWorker` is called once the operation is over and only the statement that ends the task is left.
   */
  async run(
    task: Task,
    sizes: ClaimedTask['logSizes'],
    controller: AbortController,
    freeWorker: () => void,
  ): Promise<void> {
    const began = Date.now();
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
      const reason: unknown = controller.signal.aborted ? controller.signal.reason : err;
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
    const rest = await Promise.all(
      Object.entries(writers).map(async ([name, w]) => (await w.takeRest()).map((c) => ({ log: name, ...c }))),
    );
    const failed = Object.values(writers).find((w) => w.failed)?.failed;
    if (failed instanceof TaskLostError) {
      log.warn({ err: failed }, 'task lost to another node');
      return;
    }
    if (failed && state === 'done') {
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
    const ending = this.finishes.finish({
      id: task.id,
      state,
      result: truncateResult(redactor.text(result)),
      chunks: lastChunks,
    });
    freeWorker();
    const ended = await ending;
    if (ended && this.observer) {
      for (const c of lastChunks) this.observer.logBytes(c.log, c.data.length);
      this.observer.finished(task, state, Date.now() - began);
    }
    if (!ended) log.warn('task was no longer ours to finish (timed out meanwhile)');
    else if (!this.db.notifier.viaDatabase)
      this.db.notifier.publish({ kind: 'finished', id: task.id, queue: task.queueName });
  }

  private async bestEffort(p: Promise<void>): Promise<void> {
    await p.catch((err) => this.log.warn({ err }, 'writing a task log failed'));
  }
}
