import { z } from 'zod';
import type { ScheduledOperation } from '../family';
import { cleanupDescription, DELETE_ARTIFACTS_TYPE } from './cleanup-task';

/** `cleanup` for the scheduler: what `bosh clean-up` sends, as the task POST /cleanup queues. */
export function scheduledCleanup(): ScheduledOperation {
  return {
    name: 'cleanup',
    params: z.object({ remove_all: z.boolean().optional(), keep_orphaned_disks: z.boolean().optional() }).strict(),
    plan: (params: { remove_all?: boolean; keep_orphaned_disks?: boolean }, run) => {
      const removeAll = params.remove_all ?? false;
      return {
        task: {
          type: DELETE_ARTIFACTS_TYPE,
          description: cleanupDescription(removeAll),
          username: run.username,
          pinnedNodeId: run.pinnedNodeId,
          params: { remove_all: removeAll, keep_orphaned_disks: params.keep_orphaned_disks ?? false },
        },
      };
    },
  };
}
