import pg from 'pg';
import { TASKS_CHANNEL } from '../src/db/notifier';

/**
 * Tells when tasks end, from the daemon's own `finished:<id>` notifications: no polling, so the
 * daemon is not loaded by the measuring.
 */
export class TaskFinishes {
  private readonly client: pg.Client;
  private readonly finished = new Map<number, number>();
  private readonly waiters = new Map<number, () => void>();

  constructor(url: string) {
    this.client = new pg.Client({ connectionString: url });
  }

  async start(): Promise<void> {
    await this.client.connect();
    this.client.on('notification', (n) => {
      const m = /^finished:(\d+)(:|$)/.exec(n.payload ?? '');
      if (!m) return;
      const id = Number(m[1]);
      this.finished.set(id, performance.now());
      this.waiters.get(id)?.();
    });
    await this.client.query(`listen ${TASKS_CHANNEL}`);
  }

  /** Resolves with the time (performance.now) task `id` ended. */
  async of(id: number): Promise<number> {
    if (!this.finished.has(id)) await new Promise<void>((resolve) => this.waiters.set(id, resolve));
    this.waiters.delete(id);
    return this.finished.get(id)!;
  }

  async stop(): Promise<void> {
    await this.client.end();
  }
}
