interface Queued<In, Out> {
  item: In;
  resolve: (out: Out) => void;
  reject: (err: Error) => void;
}

/**
 * Shares one statement (and its commit) between callers: items submitted while a statement is in flight
 * go together in the next one, at most `maxBatch` at a time, so an idle node sends each item at once
 * and a busy one sends few statements. `run` answers each item of a batch, in order. When a batch's
 * statement fails, its items are sent again one by one, so one item's failure is its own.
 */
export class StatementBatcher<In, Out> {
  private queue: Array<Queued<In, Out>> = [];
  private flushing = false;

  constructor(
    private readonly run: (items: In[]) => Promise<Out[]>,
    private readonly maxBatch = 64,
  ) {}

  submit(item: In): Promise<Out> {
    const done = new Promise<Out>((resolve, reject) => this.queue.push({ item, resolve, reject }));
    if (!this.flushing) void this.drain();
    return done;
  }

  private async drain(): Promise<void> {
    this.flushing = true;
    while (this.queue.length) {
      const batch = this.queue.splice(0, this.maxBatch);
      try {
        const outs = await this.run(batch.map((q) => q.item));
        batch.forEach((q, i) => q.resolve(outs[i]));
      } catch (err) {
        if (batch.length === 1) {
          batch[0].reject(err as Error);
          continue;
        }
        for (const q of batch) {
          await this.run([q.item]).then(
            ([out]) => q.resolve(out),
            (e: Error) => q.reject(e),
          );
        }
      }
    }
    this.flushing = false;
  }
}
