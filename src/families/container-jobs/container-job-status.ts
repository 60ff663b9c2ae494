import type { TaskState } from '../../tasks/task';

/** GoStint's job statuses. */
export type ContainerJobStatus = 'queued' | 'running' | 'stopping' | 'success' | 'failed' | 'unknown';

/** A job's status is its task's state, in GoStint's words; a killed job (cancelled task) has failed. */
export function containerJobStatusOf(state: TaskState): ContainerJobStatus {
  switch (state) {
    case 'queued':
      return 'queued';
    case 'processing':
      return 'running';
    case 'cancelling':
      return 'stopping';
    case 'done':
      return 'success';
    case 'error':
    case 'cancelled':
      return 'failed';
    case 'timeout':
      return 'unknown';
  }
}

/** Kill and cancel are one path: a job was asked to be killed when its task was asked to be cancelled. */
export function killRequested(state: TaskState): boolean {
  return state === 'cancelling' || state === 'cancelled';
}
