/**
 * Request-body bytes the daemon may hold in memory at once, across every request (its heap ceiling is
 * 384 MB; bodies past this share would crowd out everything else). Each request reserves the most it
 * may hold before reading its body and returns it when done; a request that does not fit is refused
 * (503 with Retry-After) before any of its body is read.
 */
export class BodyBudget {
  private held = 0;

  constructor(readonly totalBytes: number) {}

  get inFlight(): number {
    return this.held;
  }

  /** Reserves `bytes`; returns the release (idempotent), or null when they do not fit. */
  tryReserve(bytes: number): (() => void) | null {
    if (this.held + bytes > this.totalBytes) return null;
    this.held += bytes;
    let released = false;
    return () => {
      if (released) return;
      released = true;
      this.held -= bytes;
    };
  }
}

/** The process's budget: 96 MiB of bodies in flight. */
export const bodyBudget = new BodyBudget(96 * 1024 * 1024);

/** Seconds a client refused for lack of budget is asked to wait. */
export const BODY_BUDGET_RETRY_AFTER = 2;
