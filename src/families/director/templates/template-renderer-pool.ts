/**
 * Job templates render off the main thread, in a small pool of worker threads, so that a hostile template
 * (a regular expression that backtracks for good, a render that eats the heap) costs one worker and one
 * failed render, never the daemon: each worker has a heap and stack ceiling, each render a wall-clock
 * deadline; a worker past either is terminated, the render fails as a TemplateError naming the job and
 * the template it was on, and the next render gets a fresh worker. One message renders a whole instance.
 */
import path from 'node:path';
import { Worker } from 'node:worker_threads';
import { InstanceTemplates, renderedTexts, TemplateOutcome, TemplateRenderer } from './instance-templates';
import { TemplateError } from './template-error';

export interface TemplateRendererSettings {
  /** Worker threads at most (started when first needed). */
  workers: number;
  /** How long one instance's templates may take to render. */
  deadlineMs: number;
  /** Each worker's heap and stack ceilings. */
  resourceLimits: { maxOldGenerationSizeMb: number; maxYoungGenerationSizeMb: number; stackSizeMb: number };
}

/**
 * The worker runs the interpreter the way this module itself was loaded: compiled JavaScript as is
 * (`npm start`), TypeScript through tsx's require hook (the specs, run by mocha under `tsx/cjs`), which a
 * worker thread does not inherit from the thread that registered it.
 */
const WORKER_FILE = path.join(__dirname, `template-render-worker${path.extname(__filename)}`);
const LOADER_ARGS = path.extname(__filename) === '.ts' ? ['--require', require.resolve('tsx/cjs')] : [];

interface Slot {
  worker: Worker;
  /** [job, template] the worker is rendering, written by the worker, read when it has to be stopped. */
  progress: Int32Array;
  /** Dead, or being terminated: never handed out again. */
  gone: boolean;
  /** Why the pool stopped it, if it did. */
  stopped?: string;
  /** What the worker died of, if it died. */
  error?: Error & { code?: string };
}

type Reply = { ready: true } | { outcomes: TemplateOutcome[][] };

export class TemplateRendererPool implements TemplateRenderer {
  private readonly live = new Set<Slot>();
  private readonly idle: Slot[] = [];
  private readonly waiting: Array<{ resolve: (slot: Slot) => void; reject: (err: Error) => void }> = [];
  private starting = 0;
  private closed = false;

  constructor(private readonly settings: TemplateRendererSettings) {}

  async render(request: InstanceTemplates): Promise<string[][]> {
    const slot = await this.acquire();
    let outcomes: TemplateOutcome[][];
    try {
      outcomes = await this.run(slot, request);
    } finally {
      this.release(slot);
    }
    return renderedTexts(request, outcomes);
  }

  /** Terminates every worker; renders under way fail, later ones are refused. */
  async close(): Promise<void> {
    this.closed = true;
    for (const w of this.waiting.splice(0)) w.reject(new Error('the template renderer is closed'));
    await Promise.all([...this.live].map((s) => this.stop(s, 'the daemon is stopping')));
  }

  /** Workers alive now (for the pool's specs and figures). */
  get size(): number {
    return this.live.size;
  }

  private acquire(): Promise<Slot> {
    if (this.closed) return Promise.reject(new Error('the template renderer is closed'));
    const slot = this.idle.pop();
    if (slot) {
      slot.worker.ref();
      return Promise.resolve(slot);
    }
    if (this.live.size + this.starting < this.settings.workers) return this.start();
    return new Promise((resolve, reject) => this.waiting.push({ resolve, reject }));
  }

  private release(slot: Slot): void {
    const next = this.waiting.shift();
    if (slot.gone) {
      // Its place goes to a fresh worker, if anyone is waiting for one.
      if (next) this.start().then(next.resolve, next.reject);
    } else if (next) {
      next.resolve(slot);
    } else {
      // An idle worker does not keep the process alive.
      slot.worker.unref();
      this.idle.push(slot);
    }
  }

  /** A new worker, usable once it has loaded the interpreter (so that loading is not counted against a deadline). */
  private start(): Promise<Slot> {
    this.starting++;
    const progress = new Int32Array(new SharedArrayBuffer(2 * Int32Array.BYTES_PER_ELEMENT));
    const worker = new Worker(WORKER_FILE, {
      execArgv: LOADER_ARGS,
      workerData: { progress: progress.buffer },
      resourceLimits: this.settings.resourceLimits,
    });
    const slot: Slot = { worker, progress, gone: false };
    // Kept for the render it ends; an 'error' event nobody listens to would end the daemon.
    worker.on('error', (err) => (slot.error = err));
    worker.once('exit', () => this.forget(slot));
    return new Promise((resolve, reject) => {
      const settle = () => {
        this.starting--;
        worker.off('message', onReady).off('exit', onExit);
      };
      const onReady = (m: Reply) => {
        if (!('ready' in m)) return;
        settle();
        if (this.closed) {
          void worker.terminate();
          reject(new Error('the template renderer is closed'));
          return;
        }
        this.live.add(slot);
        resolve(slot);
      };
      const onExit = (code: number) => {
        settle();
        reject(
          new Error(
            `a template renderer failed to start (exit code ${code}${slot.error ? `: ${slot.error.message}` : ''})`,
          ),
        );
      };
      worker.on('message', onReady).on('exit', onExit);
    });
  }

  private run(slot: Slot, request: InstanceTemplates): Promise<TemplateOutcome[][]> {
    const { worker, progress } = slot;
    Atomics.store(progress, 0, 0);
    Atomics.store(progress, 1, 0);
    return new Promise((resolve, reject) => {
      const done = () => {
        clearTimeout(deadline);
        worker.off('message', onMessage).off('exit', onExit);
      };
      const onMessage = (m: Reply) => {
        if (!('outcomes' in m)) return;
        done();
        resolve(m.outcomes);
      };
      const onExit = () => {
        done();
        reject(this.stoppedError(slot, request));
      };
      const deadline = setTimeout(() => {
        done();
        void this.stop(slot, `rendering took longer than ${this.settings.deadlineMs / 1000} s`);
        reject(this.stoppedError(slot, request));
      }, this.settings.deadlineMs);
      worker.on('message', onMessage).on('exit', onExit);
      try {
        worker.postMessage(request);
      } catch (err) {
        done();
        reject(err instanceof Error ? err : new Error(String(err)));
      }
    });
  }

  private async stop(slot: Slot, why: string): Promise<void> {
    slot.stopped ??= why;
    this.forget(slot);
    await slot.worker.terminate();
  }

  private forget(slot: Slot): void {
    slot.gone = true;
    this.live.delete(slot);
    const i = this.idle.indexOf(slot);
    if (i >= 0) this.idle.splice(i, 1);
  }

  /** The Director's template error for the template a stopped or dead worker was rendering. */
  private stoppedError(slot: Slot, request: InstanceTemplates): TemplateError {
    const job = request.jobs[Atomics.load(slot.progress, 0)] ?? request.jobs[0];
    const template = job?.templates[Atomics.load(slot.progress, 1)]?.name ?? '(unknown)';
    const why =
      slot.stopped ??
      (slot.error?.code === 'ERR_WORKER_OUT_OF_MEMORY'
        ? `rendering needed more than ${this.settings.resourceLimits.maxOldGenerationSizeMb} MB of memory`
        : `the renderer failed${slot.error ? `: ${slot.error.message}` : ''}`);
    return TemplateError.forInstanceGroup(request.group, [
      {
        job: job?.job ?? '(unknown)',
        errors: [TemplateError.filling(template, `${why}; its renderer was stopped`).message],
      },
    ]);
  }
}
