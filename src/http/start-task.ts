import type { Knex } from 'knex';
import type { z } from 'zod';
import { contextIdTooLong } from '../errors/director-error';
import type { Task } from '../tasks/task';
import type { TaskKind } from '../tasks/task-kind';
import type { TaskService } from '../tasks/task-service';
import type { AppContext } from './context';

export interface StartTaskOptions {
  /** What `GET /tasks` shows as the task's description. */
  description: string;
  /** The deployment the task is about (`GET /tasks?deployment=`). */
  deployment?: string | null;
  /** The serial queue the task waits its turn in (e.g. a deployment's lock); tasks of one queue run one at a time. */
  lock?: string | null;
  /** The family's own rows for the task, stored in the transaction that stores it (both or neither). */
  withRows?: (trx: Knex.Transaction, task: Task) => Promise<void>;
  /** The answer's body, for families whose reference answers with one (a job id); the task id is added. */
  body?: Record<string, unknown>;
}

/**
 * Starts a task from a request: queues `kind` with `params` (typed by the kind's schema) on behalf of the
 * request's user, with its `X-Bosh-Context-Id`, and answers 302 to the task.
 */
export type StartTask = <S extends z.ZodType>(
  ctx: AppContext,
  kind: TaskKind<S>,
  params: z.input<S>,
  opts: StartTaskOptions,
) => Promise<Task>;

/** The `startTask` of a family, queueing through `tasks`. */
export function taskStarter(tasks: Pick<TaskService, 'enqueue'>): StartTask {
  return async function startTask(ctx, kind, params, opts) {
    const task = await tasks.enqueue(
      {
        type: kind.type,
        description: opts.description,
        deploymentName: opts.deployment ?? null,
        username: ctx.state.user!.name,
        contextId: contextIdOf(ctx),
        queueName: opts.lock ?? null,
        params: params as Record<string, unknown>,
      },
      opts.withRows,
    );
    redirectToTask(ctx, task, opts.body);
    return task;
  };
}

/** The `X-Bosh-Context-Id` header, stored as the task's context_id (at most 64 characters). */
function contextIdOf(ctx: AppContext): string {
  const value = ctx.get('X-Bosh-Context-Id');
  if (value.length > 64) throw contextIdTooLong();
  return value;
}

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
