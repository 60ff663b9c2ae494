/** Thrown inside an operation when its task was cancelled; the runner ends the task `cancelled`. */
export class TaskCancelledError extends Error {
  constructor(taskId: number) {
    super(`Task ${taskId} cancelled`);
  }
}

/** Thrown when a node finds that a task it was running is no longer its own (it timed out). */
export class TaskLostError extends Error {}
