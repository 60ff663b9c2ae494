import type { Task } from '../tasks/task';

/** A task this node's runner is running, from its claim until the statement that ends it has returned. */
export interface RunningTask {
  task: Task;
  /** When this node claimed it (its own clock), to judge checkpoint answers that predate the claim. */
  claimedAt: number;
  controller: AbortController;
  done: Promise<void>;
}
