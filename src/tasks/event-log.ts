/** Where event lines go: a task's event log writer, or one that queues them. */
export interface EventSink {
  write(data: string): Promise<void>;
}

/**
 * The task's event log, in the Director's NDJSON shape (key order as the Director writes it), which the
 * BOSH CLI renders as stages and steps. Every method resolves once its sink has taken the line.
 */
export class EventLog {
  /** `redact` sees every entry before it is serialized (the task's secrets, redacted from its strings). */
  constructor(
    private readonly writer: EventSink,
    private readonly redact: (entry: object) => object = (entry) => entry,
  ) {}

  beginStage(stage: string, total: number | null = null, tags: string[] = []): Stage {
    return new Stage(this, stage, total, tags);
  }

  /** The line that ends a failed task; its message is redacted as every other entry is. */
  error(code: number, message: string): Promise<void> {
    return this.line(errorEntry(code, message));
  }

  warning(message: string): Promise<void> {
    return this.line({ time: now(), type: 'warning', message });
  }

  /** @internal */
  line(entry: object): Promise<void> {
    return this.writer.write(`${JSON.stringify(this.redact(entry))}\n`);
  }
}

/**
 * The event line that ends a failed, cancelled or timed-out task: the BOSH CLI shows its message as the
 * task's error. Written here alone, whether by a running task or by whoever ends a task that is not running.
 */
export function eventErrorLine(code: number, message: string): string {
  return `${JSON.stringify(errorEntry(code, message))}\n`;
}

function errorEntry(code: number, message: string): object {
  return { time: now(), error: { code, message } };
}

export class Stage {
  private nextIndex = 1;

  constructor(
    private readonly events: EventLog,
    readonly name: string,
    readonly total: number | null,
    readonly tags: string[],
  ) {}

  /** Starts a step by hand; `step(...)` below is the usual way. */
  async start(task: string): Promise<Step> {
    const step = new Step(this, task, this.nextIndex++);
    await step.write('started', 0);
    return step;
  }

  /**
   * Runs `fn` as one step: `started`, then `finished`, or `failed` with the error, which is rethrown. `fn`
   * may do its work synchronously (a check, or nothing: a step shown for the CLI's sake).
   */
  async step<T>(task: string, fn: (step: Step) => T | Promise<T>): Promise<T> {
    const step = await this.start(task);
    let value: T;
    try {
      value = await fn(step);
    } catch (err) {
      await step.fail((err as Error).message ?? String(err));
      throw err;
    }
    await step.finish();
    return value;
  }

  /** @internal */
  entry(task: string, index: number, state: string, progress: number, data?: object): Promise<void> {
    const line: Record<string, unknown> = {
      time: now(),
      stage: this.name,
      tags: this.tags,
      total: this.total,
      task,
      index,
      state,
      progress,
    };
    if (data) line.data = data;
    return this.events.line(line);
  }
}

export class Step {
  private done = false;

  constructor(
    private readonly stage: Stage,
    readonly task: string,
    readonly index: number,
  ) {}

  /** An in_progress line: the CLI shows `L <status>: <task>`. */
  progress(percent: number, status: string): Promise<void> {
    return this.write('in_progress', Math.max(0, Math.min(99, Math.round(percent))), { status });
  }

  finish(): Promise<void> {
    if (this.done) return Promise.resolve();
    this.done = true;
    return this.write('finished', 100);
  }

  fail(error: string): Promise<void> {
    if (this.done) return Promise.resolve();
    this.done = true;
    return this.write('failed', 100, { error });
  }

  /** @internal */
  write(state: string, progress: number, data?: object): Promise<void> {
    return this.stage.entry(this.task, this.index, state, progress, data);
  }
}

function now(): number {
  return Math.floor(Date.now() / 1000);
}
