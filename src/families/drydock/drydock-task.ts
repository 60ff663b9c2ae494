import type { NodeFilterSet } from './node-filter';

/** Drydock's task statuses (fields.py `TaskStatus`). */
export type DrydockStatus = 'requested' | 'queued' | 'running' | 'terminating' | 'terminated' | 'complete';
/** Drydock's action results (fields.py `ActionResult`). */
export type ActionResult = 'incomplete' | 'success' | 'partial_success' | 'failure' | 'unreported';

export const FINAL_STATUSES: DrydockStatus[] = ['terminated', 'complete'];

/** The actions the API accepts (plural); a node subtask runs the singular one. */
export const TASK_ACTIONS = [
  'validate_design',
  'verify_site',
  'prepare_site',
  'verify_nodes',
  'prepare_nodes',
  'deploy_nodes',
  'destroy_nodes',
  'relabel_nodes',
] as const;
export type TaskAction = (typeof TASK_ACTIONS)[number];
export const NODE_ACTIONS: TaskAction[] = [
  'verify_nodes',
  'prepare_nodes',
  'deploy_nodes',
  'destroy_nodes',
  'relabel_nodes',
];
export const subtaskAction = (action: string) => action.replace(/_nodes$/, '_node');

export interface TaskResult {
  status: ActionResult;
  message: string | null;
  reason: string | null;
  successes: string[];
  failures: string[];
  links: Array<{ rel: string; href: string }>;
}

export interface DrydockTask {
  taskId: string;
  directorTaskId: number | null;
  parentTaskId: string | null;
  action: string;
  nodeName: string | null;
  designRef: string;
  designId: string | null;
  designVersion: number | null;
  nodeFilter: NodeFilterSet | null;
  status: DrydockStatus;
  result: TaskResult;
  createdBy: string | null;
  createdAt: Date;
  updatedAt: Date | null;
  terminate: boolean;
  terminatedAt: Date | null;
  terminatedBy: string | null;
  retry: number;
}

export interface StatusMessage {
  message: string;
  error: boolean;
  contextType: string;
  context: string;
  ts: Date;
  extra: Record<string, unknown>;
}

export const newResult = (): TaskResult => ({
  status: 'incomplete',
  message: null,
  reason: null,
  successes: [],
  failures: [],
  links: [],
});

/**
 * Drydock's `Task.success()`: after a failure (or a partial success) the result is partial_success,
 * otherwise success; the entity joins the successes.
 */
export function succeed(r: TaskResult, entity?: string): void {
  r.status = r.status === 'failure' || r.status === 'partial_success' ? 'partial_success' : 'success';
  if (entity && !r.successes.includes(entity)) r.successes.push(entity);
}

/** Drydock's `Task.failure()`: after a success (or a partial success) partial_success, otherwise failure. */
export function fail(r: TaskResult, entity?: string): void {
  r.status = r.status === 'success' || r.status === 'partial_success' ? 'partial_success' : 'failure';
  if (entity && !r.failures.includes(entity)) r.failures.push(entity);
}

/**
 * Drydock's `bubble_results` and `align_result` together: the parent's successes and failures are its
 * subtasks' (a node is in one list only: its latest subtask's), and its status follows from theirs. A
 * task with no subtask is a success; one whose subtasks all succeeded is a success, never partial.
 */
export function alignWithSubtasks(r: TaskResult, subtasks: TaskResult[]): void {
  r.successes = [];
  r.failures = [];
  r.status = subtasks.length ? 'incomplete' : 'success';
  for (const st of subtasks) {
    if (st.status === 'success' || st.status === 'partial_success') succeed(r);
    if (st.status === 'failure' || st.status === 'partial_success') fail(r);
    for (const s of st.successes) if (!r.successes.includes(s)) r.successes.push(s);
    for (const f of st.failures) if (!r.failures.includes(f)) r.failures.push(f);
  }
}
