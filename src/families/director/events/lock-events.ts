import type { Operation } from '../../../runner/operation';
import type { EventRecorder } from './event-recorder';

/**
 * A task in a `lock:...` serial queue holds that lock while it runs: its operation records the lock's
 * `acquire` and `release` events, as the Director does for `lock:deployment:<name>`.
 */
export function withLockEvents<P>(op: Operation<P>, events: EventRecorder): Operation<P> {
  return {
    ...op,
    async run(params, ctx) {
      const lock = ctx.task.queueName;
      if (!lock?.startsWith('lock:')) return op.run(params, ctx);
      await events.record({ action: 'acquire', objectType: 'lock', objectName: lock, task: ctx.task });
      try {
        return await op.run(params, ctx);
      } finally {
        await events.record({ action: 'release', objectType: 'lock', objectName: lock, task: ctx.task });
      }
    },
  };
}
