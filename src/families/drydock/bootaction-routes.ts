import Router from '@koa/router';
import type { Next } from 'koa';
import type { AppContext, AppState } from '../../http/context';
import { jsonBodyParser } from '../../http/json-body';
import { checkBootActionKey, BootActionService } from './boot-action-service';
import type { BootActionsRepo } from './boot-actions-repo';
import { assetsTarball, renderNodeAssets } from './boot-assets';
import type { DesignStore } from './design-store';
import { DrydockError } from './drydock-errors';
import type { DrydockTasksRepo } from './drydock-tasks-repo';

/** A report's JSON body (at most 256 KB, any JSON value: the report's schema judges it). */
const parseReport = jsonBodyParser({
  // Not reached: the route parses only bodies that say they are JSON.
  notJson: () => new DrydockError(400, 'Requires application/json payload'),
  limit: '256kb',
  objectsOnly: false,
});

/**
 * The routes nodes call, authenticated by the node's boot-action key (`X-Bootaction-Key`), not by
 * users' credentials: boot data (a gzipped tar of the node's file or unit assets with their modes) at
 * `/bootdata/{hostname}/files|units` (the seed's path) and `/bootactions/nodes/{hostname}/files|units`
 * (Drydock's), and boot-action reports at `POST /bootactions/{id}`.
 */
export function bootActionRoutes(d: {
  bootActions: BootActionsRepo;
  drydockTasks: DrydockTasksRepo;
  designs: DesignStore;
  reports: BootActionService;
  reportUrl: string;
}): Router<AppState> {
  const router = new Router<AppState>({ prefix: '/api/v1.0' });

  async function bootData(ctx: AppContext, type: 'file' | 'unit') {
    const hostname = ctx.params.hostname;
    const actions = await d.bootActions.latestForNode(hostname);
    if (!actions.length) throw new DrydockError(404, `Error locating boot action for ${hostname}`);
    checkBootActionKey(actions[0].identityKey, ctx.get('X-Bootaction-Key') || undefined);
    const subtask = await d.drydockTasks.find(actions[0].taskId);
    const design = subtask?.designId
      ? await d.designs.repo.find(subtask.designId, subtask.designVersion ?? undefined)
      : null;
    if (!subtask || !design) throw new DrydockError(404, `Error locating boot action for ${hostname}`);
    const identities = new Map(
      actions.map((a) => [a.actionName, { actionId: a.actionId, identityKey: a.identityKey }]),
    );
    const assets = renderNodeAssets(
      d.designs.effective(design),
      hostname,
      identities,
      subtask.designRef,
      d.reportUrl,
      type,
    );
    ctx.set('Content-Type', 'application/gzip');
    ctx.set('Content-Disposition', `attachment; filename="${hostname}-${type}.tar.gz"`);
    ctx.body = await assetsTarball(assets);
  }

  for (const prefix of ['/bootdata/:hostname', '/bootactions/nodes/:hostname']) {
    router.get(`${prefix}/files`, (ctx: AppContext) => bootData(ctx, 'file'));
    router.get(`${prefix}/units`, (ctx: AppContext) => bootData(ctx, 'unit'));
  }

  router.post(
    '/bootactions/:id',
    async (ctx: AppContext, next: Next) => {
      // A body that is not JSON is one the schema refuses: Drydock's 400, after the id and key checks.
      try {
        if (ctx.is('application/json')) await parseReport(ctx, () => Promise.resolve());
        else ctx.request.body = undefined;
      } catch {
        ctx.request.body = Symbol('unparsable') as never;
      }
      await next();
    },
    async (ctx: AppContext) => {
      const r = await d.reports.report(ctx.params.id, ctx.get('X-Bootaction-Key') || undefined, ctx.request.body);
      ctx.body = {
        node_name: r.nodeName,
        task_id: r.taskId,
        action_id: r.actionId,
        action_name: r.actionName,
        action_status: r.actionStatus,
      };
    },
  );

  router.get('/health', (ctx: AppContext) => {
    ctx.status = 204;
  });

  return router;
}
