import type { Task } from '../tasks/task';
import type { AppContext } from './context';

/**
 * How every API family answers a request that started long-running work: 302 to the task. A family
 * whose reference answers with a body (a job id, a run id) passes it; the task id is added to it.
 */
export function redirectToTask(ctx: AppContext, task: Task, body?: Record<string, unknown>): void {
  ctx.status = 302;
  ctx.set('Location', `/tasks/${task.id}`);
  if (body) ctx.body = { ...body, task_id: task.id };
  else ctx.body = '';
}
