import type { Logger } from '../logger';
import { formatDebugLine } from '../tasks/debug-format';
import type { ClaimedTask, TasksRepo } from '../tasks/tasks-repo';
import type { OperationRegistry } from './operation';

/** The debug line that says a task started (`%ID%` stands for its id), written by the claim itself. */
export function startLine(): string {
  return formatDebugLine(0, 'INFO', 'DirectorJobRunner', 'Starting task: %ID%');
}

/**
 * A node's workers and the claims that fill them: claims as many queued tasks as there are free
 * workers, coalescing wake-ups that arrive meanwhile, and holds workers for tasks created claimed by this
 * node (LocalDispatch). Each claimed task goes to `start`.
 */
export class ClaimLoop {
  /**
   * Workers whose operation is running. A task whose operation has returned no longer holds its worker
   * while the statement that ends it is sent.
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

  constructor(
    private readonly tasks: TasksRepo,
    private readonly registry: OperationRegistry,
    private readonly opts: { nodeId: string; workers: number },
    private readonly start: (claimed: ClaimedTask) => void,
    private readonly log: Logger,
  ) {}

  private get freeWorkers(): number {
    return this.opts.workers - this.busy - this.reserved;
  }

  get stopped(): boolean {
    return this.stopping;
  }

  /** No claim in flight and no worker held for a task being created. */
  get settled(): boolean {
    return this.claimsInFlight === 0 && this.reserved === 0;
  }

  stop(): void {
    this.stopping = true;
  }

  /** Holds a free worker for a task of `type` being created for this node. */
  reserve(type: string): boolean {
    if (this.stopping || !this.registry.has(type) || this.freeWorkers <= 0) return false;
    this.reserved++;
    return true;
  }

  /** Gives back a held worker: its task was not created, or it has started (`occupyWorker`). */
  release(): void {
    this.reserved--;
  }

  occupyWorker(): void {
    this.busy++;
  }

  /** A task's operation is over: its worker may take the next task, if any may be waiting. */
  freeWorker(): void {
    this.busy--;
    if (this.backlog) this.claim();
  }

  /** A task was queued, or one of a serial queue ended: there may be work to claim. */
  wake(): void {
    this.backlog = true;
    this.claim(true);
  }

  /**
   * Claims as many tasks as there are free workers; coalesces wake-ups that arrive meanwhile. A task
   * queued while a claim is in flight (`urgent`) starts a second claim at once rather than waiting for
   * the first to return, for the workers that claim did not ask for.
   */
  claim(urgent = false): void {
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
            claimed = await this.tasks.claim(this.opts.nodeId, free, this.registry.types, startLine());
          } finally {
            this.reserved -= free;
          }
          for (const c of claimed) this.start(c);
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
}
