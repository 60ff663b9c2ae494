import type { Logger } from '../logger';
import { TaskCancelledError } from '../errors/task-cancelled';
import type { Task } from '../tasks/task';
import type { TaskLogWriter } from '../tasks/task-log-writer';
import type { TaskLogName } from '../tasks/task-log';
import { DebugLevel, formatDebugLine } from '../tasks/debug-format';
import { EventLog, Stage } from '../tasks/event-log';

/** What an operation receives: its task, its logs, and the signal that says it was cancelled. */
export interface TaskContext {
  readonly task: Task;
  readonly signal: AbortSignal;
  readonly log: Logger;
  readonly events: EventLog;
  beginStage(name: string, total?: number | null, tags?: string[]): Stage;
  /** A debug log line in the Director's format (queued, as progress lines are). */
  debug(message: string, level?: DebugLevel, component?: string): Promise<void>;
  /** Raw bytes appended to the debug log (a container's output). */
  debugRaw(data: Buffer | string): Promise<void>;
  /** Raw bytes appended to one of the task's logs (a container's stdout or stderr). */
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
      return Promise.reject(err);
    }
  };
}

export function createTaskContext(task: Task, writers: LogWriters, signal: AbortSignal, log: Logger): TaskContext {
  const events = new EventLog({ write: queued(writers.event) });
  const resultLine = queued(writers.result);
  const debugLine = queued(writers.debug);
  return {
    task,
    signal,
    log,
    events,
    beginStage: (name, total = null, tags = []) => events.beginStage(name, total, tags),
    debug: (message, level = 'INFO', component = 'DirectorJobRunner') => debugLine(formatDebugLine(task.id, level, component, message)),
    debugRaw: (data) => writers.debug.write(data),
    writeLog: (log, data) => writers[log].write(data),
    result: (line) => resultLine(`${typeof line === 'string' ? line : JSON.stringify(line)}\n`),
    checkpoint() {
      if (signal.aborted) {
        throw signal.reason instanceof Error ? signal.reason : new TaskCancelledError(task.id);
      }
    },
  };
}
