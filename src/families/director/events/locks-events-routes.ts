import Router from '@koa/router';
import { z } from 'zod';
import { eventNotFound } from '../../../errors/director-error';
import type { DirectorServices } from '../director-services';
import type { EventFilter } from './events-repo';
import type { AppContext, AppState } from '../../../http/context';
import { presentEvent, presentLock } from '../director-presenters';
import { requireRead } from '../../../http/director/director-auth';
import { directorInput } from '../../../http/director/json-body';
import { queryText } from '../../../http/validate';

/** The Director answers at most this many events per request. */
const EVENTS_LIMIT = 200;

/** An epoch in seconds or a date the Director's `Time.parse` would take; empty is no bound. */
const timeParam = (name: 'before' | 'after') =>
  queryText.transform((raw, check) => {
    if (raw === undefined || raw === '') return undefined;
    const d = /^\d+$/.test(raw) ? new Date(Number(raw) * 1000) : new Date(raw);
    if (!Number.isNaN(d.getTime())) return d;
    check.addIssue({ code: 'custom', message: `Invalid ${name} parameter: '${raw}'` });
    return z.NEVER;
  });

const eventsQuery = z.object({
  before_id: queryText.refine((s) => s === undefined || /^\d+$/.test(s), {
    error: (i) => `Invalid before_id parameter: '${String(i.input)}'`,
  }),
  before_time: timeParam('before'),
  after_time: timeParam('after'),
  task: queryText,
  deployment: queryText,
  instance: queryText,
  user: queryText,
  action: queryText,
  object_type: queryText,
  object_name: queryText,
});

export function locksEventsRoutes(s: DirectorServices, liveSeconds: number): Router<AppState> {
  const router = new Router<AppState>();

  /** A lock is held by the running task of a serial queue named `lock:<type>:<resource...>`. */
  router.get('/locks', requireRead, async (ctx: AppContext) => {
    const running = await s.tasks.listRunning();
    ctx.body = running.filter((t) => t.queueName?.startsWith('lock:')).map((t) => presentLock(t, liveSeconds));
  });

  router.get(
    '/events',
    requireRead,
    directorInput({ query: eventsQuery }, async (ctx, { query: q }) => {
      const filter: EventFilter = {
        limit: EVENTS_LIMIT,
        beforeId: q.before_id === undefined ? undefined : Number(q.before_id),
        beforeTime: q.before_time,
        afterTime: q.after_time ? new Date(q.after_time.getTime() + 1000) : undefined,
        task: q.task,
        deployment: q.deployment,
        instance: q.instance,
        user: q.user,
        action: q.action,
        objectType: q.object_type,
        objectName: q.object_name,
      };
      ctx.body = (await s.eventsRepo.list(filter)).map(presentEvent);
    }),
  );

  router.get('/events/:id', requireRead, async (ctx: AppContext) => {
    if (!/^\d{1,15}$/.test(ctx.params.id)) throw eventNotFound();
    const e = await s.eventsRepo.find(Number(ctx.params.id));
    if (!e) throw eventNotFound();
    ctx.body = presentEvent(e);
  });

  return router;
}
