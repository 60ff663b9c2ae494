interface Queued<In, Out> {
  item: In;
  resolve: (out: Out) => void;
  reject: (err: Error) => void;
}

export interface BatchLimits<In> {
  /** Items sent in one statement at most. */
  maxBatch?: number;
  /** With `weigh`: the weight one statement carries at most (its first item goes whatever it weighs). */
  maxWeight?: number;
  weigh?: (item: In) => number;
}

/**
 * Shares one statement (and its commit) between callers: items submitted while a statement is in flight
 * go together in the next one, within the batch limits, so an idle node sends each item at once and a
 * busy one sends few statements. `run` answers each item of a batch, in order; an answer that is an
 * Error rejects that item alone. When a batch's statement fails, its items are sent again one by one,
 * so one item's failure is its own.
 */
export class StatementBatcher<In, Out> {
  private queue: Array<Queued<In, Out>> = [];
  private flushing = false;
  private readonly maxBatch: number;

  constructor(
    private readonly run: (items: In[]) => Promise<Array<Out | Error>>,
    private readonly limits: BatchLimits<In> = {},
  ) {
    this.maxBatch = limits.maxBatch ?? 64;
  }

  submit(item: In): Promise<Out> {
    const done = new Promise<Out>((resolve, reject) => this.queue.push({ item, resolve, reject }));
    if (!this.flushing) void this.drain();
    return done;
  }

  private async drain(): Promise<void> {
    this.flushing = true;
    while (this.queue.length) {
      const batch = this.queue.splice(0, this.nextBatchLength());
      try {
        const outs = await this.run(batch.map((q) => q.item));
        batch.forEach((q, i) => answer(q, outs[i]));
      } catch (err) {
        if (batch.length === 1) {
          batch[0].reject(err as Error);
          continue;
        }
        for (const q of batch) {
          await this.run([q.item]).then(
            ([out]) => answer(q, out),
            (e: Error) => q.reject(e),
          );
        }
      }
    }
    this.flushing = false;
  }

  /** How many queued items the next statement takes: at least one, within the count and weight limits. */
  private nextBatchLength(): number {
    const { weigh, maxWeight } = this.limits;
    const most = Math.min(this.queue.length, this.maxBatch);
    if (!weigh || maxWeight === undefined) return most;
    let weight = weigh(this.queue[0].item);
    let n = 1;
    while (n < most && weight + weigh(this.queue[n].item) <= maxWeight) weight += weigh(this.queue[n++].item);
    return n;
  }
}

function answer<Out>(q: Queued<unknown, Out>, out: Out | Error): void {
  if (out instanceof Error) q.reject(out);
  else q.resolve(out);
}
