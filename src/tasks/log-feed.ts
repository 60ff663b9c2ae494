import type { Notifier, TaskSignal } from '../db/notifier';
import { TaskState, TERMINAL_STATES } from './task';
import type { TaskLogName } from './task-log';
import type { TaskLogsRepo } from './task-logs-repo';

/** What a follower of a log receives: bytes at an offset, then the end (the task's final state; null: deleted). */
export type LogFeedItem =
  { kind: 'bytes'; offset: number; data: Buffer } | { kind: 'end'; state: TaskState | null; size: number };

/** Bytes of a log's newest part kept for its followers, so that many followers at its end share one read. */
const SHARED_BYTES = 64 * 1024;

/** Bytes one read hands a follower that is behind the shared part (catching up from an earlier offset). */
const CATCH_UP_BYTES = 256 * 1024;

/** How often the followed logs are looked at in the database when no notification came (a lost one). */
const FALLBACK_POLL_MS = 1000;

/** One log followed on this node, whatever the number of its followers. */
class FollowedLog {
  followers = 0;
  /** How far the log is known to reach. */
  size = 0;
  /** Set once the task is seen in a final state (or gone), with `size` read in the same snapshot. */
  end: { state: TaskState | null } | null = null;
  /**
   * The newest bytes read, [sharedStart, sharedEnd), as the reads gave them (no copying as it moves on:
   * the oldest reads are dropped whole once the rest holds SHARED_BYTES).
   */
  sharedStart = 0;
  shared: Buffer[] = [];
  sharedLength = 0;
  reading: Promise<void> | null = null;
  private wakers = new Set<() => void>();

  constructor(
    readonly taskId: number,
    readonly log: TaskLogName,
  ) {}

  get sharedEnd(): number {
    return this.sharedStart + this.sharedLength;
  }

  /** The shared bytes from `position` (within the shared part) to the end of the read holding it. */
  sharedAt(position: number): Buffer {
    let start = this.sharedStart;
    for (const piece of this.shared) {
      if (position < start + piece.length) return piece.subarray(position - start);
      start += piece.length;
    }
    return Buffer.alloc(0);
  }

  /** Restarts the shared part at `position`. */
  resetShared(position: number): void {
    this.sharedStart = position;
    this.shared = [];
    this.sharedLength = 0;
  }

  /** Resolves at the next change of the log or its task, or when `signal` aborts. */
  changed(signal: AbortSignal): Promise<void> {
    return new Promise((resolve) => {
      if (signal.aborted) return resolve();
      const wake = () => {
        this.wakers.delete(wake);
        signal.removeEventListener('abort', wake);
        resolve();
      };
      this.wakers.add(wake);
      signal.addEventListener('abort', wake);
    });
  }

  wake(): void {
    for (const w of [...this.wakers]) w();
  }
}

/**
 * Follows task logs as they grow, for clients streaming them live. Every append statement's trigger
 * notifies the nodes (LISTEN/NOTIFY on PostgreSQL, PGlite's own on the embedded database) with the new
 * size of each log it touched; a node wakes the followers of that log, and they read the new bytes from
 * the database, so a client on one node follows a task running on another. A task's end (its finished
 * signal) and a look at every followed log every second (for a notification lost while the listening
 * connection was down) tell the same followers the log's final size and the task's state.
 *
 * The followers of one log at its end share reads: the newest bytes read are kept (at most 64 KB a log),
 * and a follower reads the database itself only when it is behind them, at its own pace; so a slow
 * client costs its own reads, never memory, and a thousand clients at a log's end cost one read an append.
 */
export class LogFeed {
  private readonly followed = new Map<string, FollowedLog>();
  private unsubscribe: (() => void) | null = null;
  private timer: NodeJS.Timeout | null = null;
  private polling = false;

  constructor(
    private readonly logs: TaskLogsRepo,
    private readonly notifier: Notifier,
  ) {}

  /** Number of logs followed on this node, and of their followers. */
  get stats(): { logs: number; followers: number } {
    let followers = 0;
    for (const f of this.followed.values()) followers += f.followers;
    return { logs: this.followed.size, followers };
  }

  /**
   * The bytes of a log from `from` on as they are stored, in order and each once, then its end once the
   * task has ended and every byte was given. Stops when `signal` aborts.
   */
  async *follow(taskId: number, log: TaskLogName, from: number, signal: AbortSignal): AsyncGenerator<LogFeedItem> {
    const f = this.join(taskId, log);
    try {
      await this.refresh([f]);
      let position = from;
      while (!signal.aborted) {
        if (position < f.size) {
          const data = await this.bytesAt(f, position);
          if (signal.aborted) return;
          if (data.length) {
            yield { kind: 'bytes', offset: position, data };
            position += data.length;
            continue;
          }
          // An ended task's bytes are all committed: none where it said there were means it was deleted.
          if (f.end) {
            yield { kind: 'end', state: f.end.state, size: position };
            return;
          }
        } else if (f.end) {
          yield { kind: 'end', state: f.end.state, size: f.size };
          return;
        }
        await f.changed(signal);
      }
    } finally {
      this.leave(f);
    }
  }

  private join(taskId: number, log: TaskLogName): FollowedLog {
    const key = `${taskId}/${log}`;
    let f = this.followed.get(key);
    if (!f) {
      f = new FollowedLog(taskId, log);
      this.followed.set(key, f);
    }
    f.followers++;
    if (!this.unsubscribe) {
      this.unsubscribe = this.notifier.subscribe((s) => this.onSignal(s));
      this.timer = setInterval(() => void this.poll(), FALLBACK_POLL_MS);
      this.timer.unref();
    }
    return f;
  }

  private leave(f: FollowedLog): void {
    if (--f.followers > 0) return;
    this.followed.delete(`${f.taskId}/${f.log}`);
    if (this.followed.size) return;
    this.unsubscribe?.();
    this.unsubscribe = null;
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
  }

  private onSignal(s: TaskSignal): void {
    if (s.kind === 'appended') {
      const f = this.followed.get(`${s.id}/${s.log}`);
      if (f && s.size > f.size) {
        f.size = s.size;
        f.wake();
      }
    } else if (s.kind === 'finished') {
      const ofTask = [...this.followed.values()].filter((f) => f.taskId === s.id);
      if (ofTask.length) void this.refresh(ofTask).catch(() => undefined);
    }
  }

  private async poll(): Promise<void> {
    if (this.polling) return;
    this.polling = true;
    try {
      await this.refresh([...this.followed.values()]);
    } catch {
      // The next look, or a notification, will do.
    } finally {
      this.polling = false;
    }
  }

  /** Reads the logs' sizes and their tasks' states, and wakes the followers of those that changed. */
  private async refresh(list: FollowedLog[]): Promise<void> {
    const rows = await this.logs.progress(list.map((f) => ({ taskId: f.taskId, log: f.log })));
    for (const r of rows) {
      const f = this.followed.get(`${r.taskId}/${r.log}`);
      if (!f) continue;
      let changed = false;
      if (r.size > f.size) {
        f.size = r.size;
        changed = true;
      }
      if (!f.end && (r.state === null || TERMINAL_STATES.includes(r.state))) {
        f.end = { state: r.state };
        changed = true;
      }
      if (changed) f.wake();
    }
  }

  /** Bytes of the log at `position` (none when nothing more is stored there yet). */
  private async bytesAt(f: FollowedLog, position: number): Promise<Buffer> {
    if (position >= f.sharedEnd && position < f.size) {
      // The shared part moves only forward: to a follower ahead of it, and the ones behind catch up to it.
      if (position > f.sharedEnd && !f.reading) f.resetShared(position);
      if (position === f.sharedEnd) await this.extendShared(f);
    }
    if (position >= f.sharedStart && position < f.sharedEnd) return f.sharedAt(position);
    return this.logs.readAt(f.taskId, f.log, position, CATCH_UP_BYTES);
  }

  /** Reads the bytes past the shared part once, for all the followers waiting for them. */
  private async extendShared(f: FollowedLog): Promise<void> {
    if (!f.reading) {
      f.reading = (async () => {
        const from = f.sharedEnd;
        const data = await this.logs.readAt(f.taskId, f.log, from, Math.min(f.size - from, SHARED_BYTES));
        if (!data.length) return;
        f.shared.push(data);
        f.sharedLength += data.length;
        while (f.shared.length > 1 && f.sharedLength - f.shared[0].length >= SHARED_BYTES) {
          f.sharedLength -= f.shared[0].length;
          f.sharedStart += f.shared.shift()!.length;
        }
      })().finally(() => {
        f.reading = null;
      });
    }
    await f.reading;
  }
}
