import type { Task, TaskState } from '../tasks/task';

/** What a node's runner tells of the tasks it runs (the daemon's metrics). */
export interface TaskObserver {
  /** This node took `task` (claimed it, or created it claimed), stamped as started. */
  claimed(task: Task): void;
  /** A task this node ran ended `state` after running `runMs`. */
  finished(task: Task, state: TaskState, runMs: number): void;
  /** This node stored `bytes` more of a task's `log`. */
  logBytes(log: string, bytes: number): void;
}
