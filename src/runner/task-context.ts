import type { Logger } from '../logger';
import { TaskCancelledError } from '../errors/task-cancelled';
import type { Task } from '../tasks/task';
import type { TaskLogWriter } from '../tasks/task-log-writer';
import type { TaskLogName } from '../tasks/task-log';
import type { SecretRedactor } from '../secrets/secret-redactor';
import { DebugLevel, formatDebugLine } from '../tasks/debug-format';
import { EventLog, Stage } from '../tasks/event-log';
import { asError } from '../errors/as-error';

/** What an operation receives: its task, its logs, and the signal that says it was cancelled. */
export interface TaskContext {
  readonly task: Task;
  readonly signal: AbortSignal;
  readonly log: Logger;
  readonly events: EventLog;
  /**
   * The secrets this task has read. Event, debug and result lines pass through it; raw output
   * (`debugRaw`, `writeLog`) is the caller's to pass through `new OutputRedactor(ctx.redactor)` per stream.
   */
  readonly redactor: SecretRedactor;
  beginStage(name: string, total?: number | null, tags?: string[]): Stage;
  /** A debug log line in the Director's format (queued, as progress lines are). */
  debug(message: string, level?: DebugLevel, component?: string): Promise<void>;
  /** Raw bytes appended to the debug log (a container's output, redacted by the caller). */
  debugRaw(data: Buffer | string): Promise<void>;
  /** Raw bytes appended to one of the task's logs (a container's stdout or stderr, redacted by the caller). */
  writeLog(log: TaskLogName, data: Buffer | string): Promise<void>;
  /** One line of the result log; objects are written as JSON. */
  result(line: string | object): Promise<void>;
  /** Throws TaskCancelledError if the task was cancelled; call it between steps. */
  checkpoint(): void;
}

export type LogWriters = Record<TaskLogName, TaskLogWriter>;

/** Progress lines are queued, not awaited one by one: the runner stores them before the task ends. */
function queued(writer: TaskLogWriter) {
  return (data: string): Promise<void> => {
    try {
      writer.enqueue(data);
      return Promise.resolve();
    } catch (err) {
      return Promise.reject(asError(err));
    }
  };
}

export function createTaskContext(
  task: Task,
  writers: LogWriters,
  signal: AbortSignal,
  log: Logger,
  redactor: SecretRedactor,
): TaskContext {
  const events = new EventLog({ write: queued(writers.event) }, (entry) => redactor.value(entry));
  const resultLine = queued(writers.result);
  const debugLine = queued(writers.debug);
  return {
    task,
    signal,
    log,
    events,
    redactor,
    beginStage: (name, total = null, tags = []) => events.beginStage(name, total, tags),
    debug: (message, level = 'INFO', component = 'DirectorJobRunner') =>
      debugLine(formatDebugLine(task.id, level, component, redactor.text(message))),
    debugRaw: (data) => writers.debug.write(data),
    writeLog: (log, data) => writers[log].write(data),
    result: (line) =>
      resultLine(`${typeof line === 'string' ? redactor.text(line) : JSON.stringify(redactor.value(line))}\n`),
    checkpoint() {
      if (signal.aborted) {
        throw signal.reason instanceof Error ? signal.reason : new TaskCancelledError(task.id);
      }
    },
  };
}
