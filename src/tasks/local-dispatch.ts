import type { ClaimedTask } from './tasks-repo';

/**
 * The runner of the node that queues a task, offered the task as it is created: when one of its
 * workers is free, the task is created already claimed for this node and starts without waiting for a
 * wake-up and a claim (one statement from request to start, not three).
 */
export interface LocalDispatch {
  readonly nodeId: string;
  /** Holds a free worker for a task of `type`; false when none is free or this node does not run `type`. */
  reserve(type: string): boolean;
  /** Gives back a held worker whose task was not created. */
  release(): void;
  /** Runs a task created claimed for this node, in the worker held for it. */
  launch(claimed: ClaimedTask): void;
  /** The debug line that says the task started (`%ID%` stands for its id). */
  startLine(): string;
}
