import Router from '@koa/router';
import { badRequest, eventNotFound } from '../../../errors/director-error';
import type { DirectorServices } from '../director-services';
import type { EventFilter } from './events-repo';
import type { AppContext, AppState } from '../../../http/context';
import { presentEvent, presentLock } from '../director-presenters';
import { requireRead } from '../../../http/director/director-auth';
import { queryParam } from '../query-flags';

/** The Director answers at most this many events per request. */
const EVENTS_LIMIT = 200;

/** An epoch in seconds or a date the Director's `Time.parse` would take. */
function timeParam(ctx: AppContext, name: string): Date | undefined {
  const raw = queryParam(ctx, name);
  if (raw === undefined || raw === '') return undefined;
  const d = /^\d+$/.test(raw) ? new Date(Number(raw) * 1000) : new Date(raw);
  if (Number.isNaN(d.getTime())) throw badRequest(`Invalid ${name.replace('_time', '')} parameter: '${raw}'`);
  return d;
}

export function locksEventsRoutes(s: DirectorServices, liveSeconds: number): Router<AppState> {
  const router = new Router<AppState>();

  /** A lock is held by the running task of a serial queue named `lock:<type>:<resource...>`. */
  router.get('/locks', requireRead, async (ctx: AppContext) => {
    const running = await s.tasks.listRunning();
    ctx.body = running.filter((t) => t.queueName?.startsWith('lock:')).map((t) => presentLock(t, liveSeconds));
  });

  router.get('/events', requireRead, async (ctx: AppContext) => {
    const beforeIdText = queryParam(ctx, 'before_id');
    if (beforeIdText !== undefined && !/^\d+$/.test(beforeIdText))
      throw badRequest(`Invalid before_id parameter: '${beforeIdText}'`);
    const after = timeParam(ctx, 'after_time');
    const filter: EventFilter = {
      limit: EVENTS_LIMIT,
      beforeId: beforeIdText === undefined ? undefined : Number(beforeIdText),
      beforeTime: timeParam(ctx, 'before_time'),
      afterTime: after ? new Date(after.getTime() + 1000) : undefined,
      task: queryParam(ctx, 'task'),
      deployment: queryParam(ctx, 'deployment'),
      instance: queryParam(ctx, 'instance'),
      user: queryParam(ctx, 'user'),
      action: queryParam(ctx, 'action'),
      objectType: queryParam(ctx, 'object_type'),
      objectName: queryParam(ctx, 'object_name'),
    };
    ctx.body = (await s.eventsRepo.list(filter)).map(presentEvent);
  });

  router.get('/events/:id', requireRead, async (ctx: AppContext) => {
    if (!/^\d{1,15}$/.test(ctx.params.id)) throw eventNotFound();
    const e = await s.eventsRepo.find(Number(ctx.params.id));
    if (!e) throw eventNotFound();
    ctx.body = presentEvent(e);
  });

  return router;
}
