import { z } from 'zod';
import { CannotSchedule, ScheduledOperation } from '../family';
import type { SyncRunQueue } from './sync-run-queue';
import type { SyncTasksRepo } from './sync-tasks-repo';

/**
 * `sync_task_run` for the scheduler's job configurations (`job_config_params: {"task": NAME}`): the same
 * run `?run=now` starts, in the task's queue. A task disabled when the run starts does nothing.
 */
export function scheduledSyncRun(queue: SyncRunQueue, repo: SyncTasksRepo): ScheduledOperation {
  return {
    name: 'sync_task_run',
    params: z.object({ task: z.string().min(1).max(128) }).strict(),
    async plan(p: { task: string }, run) {
      if (!(await repo.find(p.task))) throw new CannotSchedule(`no sync task named '${p.task}'`);
      return queue.planned(p.task, run.username, 'scheduler', run.pinnedNodeId);
    },
  };
}
