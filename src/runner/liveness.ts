import type { Database } from '../db/database';
import type { Logger } from '../logger';
import { TaskLogsRepo } from '../tasks/task-logs-repo';
import { TasksRepo } from '../tasks/tasks-repo';
import { formatDebugLine } from '../tasks/debug-format';
import { eventErrorLine } from '../tasks/event-log';

/**
 * Ends tasks whose node stopped checkpointing them (crash, kill -9, lost machine) as `timeout`, writing
 * the reason to their event and debug logs first. Any live node does this; `ownNodeId` also ends, at
 * once, the tasks this very node was running before it restarted.
 */
export async function timeOutStaleTasks(
  db: Database,
  staleSeconds: number,
  log: Logger,
  ownNodeId: string | null = null,
): Promise<number[]> {
  const tasks = new TasksRepo(db.knex);
  const logs = new TaskLogsRepo(db.knex);
  const notify = db.notifier.viaDatabase;
  const ended = await db.knex.transaction(async (trx) => {
    const stale = await tasks.lockStale(trx, staleSeconds, ownNodeId);
    for (const task of stale) {
      const restarted = ownNodeId !== null && task.nodeId === ownNodeId;
      const last = task.checkpointTime?.toISOString() ?? 'never';
      const message = restarted
        ? `Task ${task.id} timed out: node '${task.nodeId}' restarted while running it (last checkpoint ${last})`
        : `Task ${task.id} timed out: node '${task.nodeId}' stopped checkpointing it (last checkpoint ${last})`;
      await logs.appendAtEnd(trx, task.id, 'event', eventErrorLine(100, message));
      await logs.appendAtEnd(trx, task.id, 'debug', formatDebugLine(task.id, 'ERROR', 'TaskReaper', message));
      await tasks.markTimedOut(trx, task.id, message.slice(0, 128), notify);
    }
    return stale;
  });
  for (const { id, queueName } of ended) {
    log.warn({ taskId: id }, 'task timed out');
    if (!notify) db.notifier.publish({ kind: 'finished', id, queue: queueName });
  }
  return ended.map((t) => t.id);
}
