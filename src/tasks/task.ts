/** A Director task as stored; the wire shape lives in the task presenter. */
export interface Task {
  id: number;
  type: string;
  state: TaskState;
  description: string;
  deploymentName: string | null;
  username: string | null;
  contextId: string;
  params: Record<string, unknown>;
  result: string | null;
  queueName: string | null;
  nodeId: string | null;
  createdAt: Date;
  timestamp: Date;
  startedAt: Date | null;
  checkpointTime: Date | null;
}

export const TASK_STATES = ['queued', 'processing', 'cancelling', 'cancelled', 'done', 'error', 'timeout'] as const;
export type TaskState = (typeof TASK_STATES)[number];

export const RUNNING_STATES: TaskState[] = ['processing', 'cancelling'];
export const UNFINISHED_STATES: TaskState[] = ['queued', 'processing', 'cancelling'];
export const TERMINAL_STATES: TaskState[] = ['cancelled', 'done', 'error', 'timeout'];

/**
 * States as a list of SQL literals, for statements written out: a partial index is used only when the
 * statement's predicate names the index's states as constants, so they are interpolated, not bound.
 */
export function sqlStates(...states: TaskState[]): string {
  return states.map((s) => `'${s}'`).join(', ');
}

/** The Director cancels only queued and processing tasks. */
export function isCancellable(state: TaskState): boolean {
  return state === 'queued' || state === 'processing';
}

/** The reference document spells the error state `errored`; accept it in filters. */
export function normaliseStateFilter(state: string): TaskState | null {
  const s = state.trim() === 'errored' ? 'error' : state.trim();
  return (TASK_STATES as readonly string[]).includes(s) ? (s as TaskState) : null;
}

/** The Director's result truncation: at most 128 characters, cut at a word, with "...". */
export function truncateResult(text: string): string {
  const s = text.trim();
  if (s.length <= 128) return s;
  const cut = s.slice(0, 128);
  const lastSpace = cut.lastIndexOf(' ');
  return `${lastSpace > 0 ? cut.slice(0, lastSpace) : cut}...`;
}
