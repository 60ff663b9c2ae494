import { z } from 'zod';
import type { ScheduledOperation } from '../family';
import { CLEANUP_TASK_TYPE } from './cleanup-artifacts';

/** `cleanup` for the scheduler: what `bosh clean-up` sends, as the task POST /cleanup queues. */
export function scheduledCleanup(retentionPerType: number): ScheduledOperation {
  return {
    name: 'cleanup',
    params: z.object({ remove_all: z.boolean().optional(), keep_orphaned_disks: z.boolean().optional() }).strict(),
    plan: (params: { remove_all?: boolean }, run) => ({
      task: {
        type: CLEANUP_TASK_TYPE,
        description: 'clean up',
        username: run.username,
        pinnedNodeId: run.pinnedNodeId,
        params: { remove_all: params.remove_all ?? false, keep: retentionPerType },
      },
    }),
  };
}
