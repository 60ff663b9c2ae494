import Router from '@koa/router';
import { z } from 'zod';
import { badRequest, taskNotFound } from '../../errors/director-error';
import { normaliseStateFilter, TaskState } from '../../tasks/task';
import type { TaskService } from '../../tasks/task-service';
import type { AppContext, AppState } from '../../http/context';
import { presentTask } from './task-presenter';
import { requireAdmin, requireRead } from '../../http/director/director-auth';
import { parseTaskId } from './task-id';
import { taskOutput } from './task-output';
import { directorBody, directorInput, jsonBody } from '../../http/director/json-body';
import { queryText } from '../../http/validate';

/** Rows `GET /tasks` returns when the client gives no limit (the Director has none; a bound keeps memory flat). */
export const UNLIMITED_LIST_CAP = 10_000;

/** Ruby's `to_i`: leading digits, else 0. */
const rubyToI = (s: string) => {
  const m = /^\s*([+-]?\d+)/.exec(s);
  return m ? Number(m[1]) : 0;
};

const listQuery = z.object({
  /** A comma list of states (`errored` for `error`); an unknown one is a 400. */
  state: queryText.transform((raw, check) => {
    if (raw === undefined) return undefined;
    const states: TaskState[] = [];
    for (const s of raw.split(',')) {
      if (!s.trim()) continue;
      const state = normaliseStateFilter(s);
      if (state) states.push(state);
      else check.addIssue({ code: 'custom', message: `Unknown task state '${s.trim()}'` });
    }
    return states;
  }),
  /** As the Director reads it (`to_i`): below 1 means 1; none means at most UNLIMITED_LIST_CAP. */
  limit: queryText.transform((s) =>
    s === undefined ? UNLIMITED_LIST_CAP : Math.min(Math.max(rubyToI(s), 1), UNLIMITED_LIST_CAP),
  ),
  /** `1` (the default) lists only the verbose task types; anything else lists all. */
  verbose: queryText.transform((s) => (s ?? '1') === '1'),
  deployment: queryText,
  context_id: queryText,
});

const bulkCancelSchema = z
  .object({
    states: z.array(z.string()).optional(),
    types: z.array(z.string()).optional(),
    deployment: z.string().optional(),
  })
  .strict();

/** `verboseTypes`: the task types `verbose=1` lists (every family's, known once all are built). */
export function tasksRoutes(tasks: TaskService, verboseTypes: () => readonly string[]): Router<AppState> {
  const router = new Router<AppState>();

  router.get(
    '/tasks',
    requireRead,
    directorInput({ query: listQuery }, async (ctx, { query: q }) => {
      const list = await tasks.list({
        states: q.state,
        types: q.verbose ? verboseTypes() : undefined,
        deployment: q.deployment,
        contextId: q.context_id,
        limit: q.limit,
      });
      ctx.body = list.map(presentTask);
    }),
  );

  router.get('/tasks/:id', requireRead, async (ctx: AppContext) => {
    const id = parseTaskId(ctx.params.id);
    const task = id === null ? null : await tasks.get(id);
    if (!task) throw taskNotFound(ctx.params.id);
    ctx.body = presentTask(task);
  });

  router.get('/tasks/:id/output', taskOutput(tasks));

  router.post(
    '/tasks/cancel',
    requireAdmin,
    jsonBody,
    directorBody(bulkCancelSchema, async (ctx, body) => {
      const states =
        body.states === undefined ? (['queued'] as TaskState[]) : body.states.map((s) => normaliseStateFilter(s));
      states.forEach((s, i) => {
        if (s !== 'queued' && s !== 'processing') {
          throw badRequest(`${body.states![i]} is not one of the cancellable states: queued, processing`);
        }
      });
      await tasks.cancelMatching({ states: states as TaskState[], types: body.types, deployment: body.deployment });
      ctx.status = 204;
    }),
  );

  router.delete('/task/:id', requireAdmin, async (ctx: AppContext) => {
    const id = parseTaskId(ctx.params.id);
    const task = id === null ? null : await tasks.get(id);
    if (!task) throw taskNotFound(ctx.params.id);
    const outcome = await tasks.cancel(task);
    if (outcome.outcome === 'not_cancellable') {
      ctx.status = 400;
      ctx.type = 'text/plain';
      ctx.body = `Cannot cancel task ${task.id}: invalid state (${outcome.task.state})`;
      return;
    }
    ctx.status = 204;
  });

  return router;
}
