import { z } from 'zod';
import { taskKind } from '../../tasks/task-kind';

/** The Director's type for `bosh clean-up` (Jobs::CleanupArtifacts); the Director workloads run it. */
export const DELETE_ARTIFACTS_TYPE = 'delete_artifacts';

export const deleteArtifactsTask = taskKind(
  DELETE_ARTIFACTS_TYPE,
  z.object({ remove_all: z.boolean().default(false), keep_orphaned_disks: z.boolean().default(false) }),
);

/** The description the Director gives the task. */
export const cleanupDescription = (removeAll: boolean) => (removeAll ? 'clean up all' : 'clean up');
