import Router from '@koa/router';
import { z } from 'zod';
import { DirectorError } from '../../../errors/director-error';
import type { AppContext, AppState } from '../../../http/context';
import { requireAdmin, requireRead } from '../../../http/director/director-auth';
import { directorBody, jsonBody } from '../../../http/director/json-body';
import type { StartTask } from '../../../http/start-task';
import { findDeployment } from '../deployments/deployments-routes';
import { deploymentLock, DirectorServices } from '../director-services';
import type { ResurrectionSetting } from '../resurrection/resurrection-setting';
import { applyResolutionsTask, scanAndFixTask, scanTask } from './cloud-check-operations';
import { describeProblem, PROBLEM_TYPES } from './problem-types';
import type { ProblemsRepo } from './problems-repo';

const invalidResolutions = (what: string) =>
  new DirectorError(410003, 400, `Invalid format for resolutions, Hash expected, ${what} is given`);

const rubyClass = (v: unknown) =>
  v === undefined || v === null ? 'NilClass' : Array.isArray(v) ? 'Array' : typeof v === 'string' ? 'String' : 'Object';

/** A path parameter (the router gives them untyped). */
const param = (ctx: AppContext, key: string): string => String((ctx.params as Record<string, unknown>)[key]);

const problemsBody = z.object({
  resolutions: z.unknown().optional(),
  max_in_flight_overrides: z.record(z.string(), z.union([z.string(), z.number()])).nullish(),
});

const scanAndFixBody = z.object({ jobs: z.record(z.string(), z.array(z.union([z.number().int(), z.string()]))) });

const resurrectionBody = z.object({ resurrection_paused: z.boolean() });

const ignoreBody = z.object({ ignore: z.boolean() });

/**
 * Cloud check (`bosh cck`), the health monitor's scan-and-fix, the Director-wide resurrection switch
 * and `bosh ignore`, with the Director's paths, bodies and answers.
 */
export function cloudCheckRoutes(
  s: DirectorServices,
  problems: ProblemsRepo,
  resurrection: ResurrectionSetting,
  startTask: StartTask,
): Router<AppState> {
  const router = new Router<AppState>();

  router.post('/deployments/:name/scans', requireAdmin, async (ctx: AppContext) => {
    const d = await findDeployment(s, param(ctx, 'name'));
    await startTask(ctx, scanTask, {}, { description: 'scan cloud', deployment: d.name, lock: deploymentLock(d.name) });
  });

  router.get('/deployments/:name/problems', requireRead, async (ctx: AppContext) => {
    const d = await findDeployment(s, param(ctx, 'name'));
    const instances = new Map((await s.instances.ofDeployment(d.name)).map((i) => [i.id, i]));
    ctx.body = (await problems.open(d.name)).flatMap((p) => {
      const inst = instances.get(p.instanceId);
      if (!inst) return [];
      return [
        {
          id: p.id,
          type: p.type,
          data: p.data,
          description: describeProblem(p.type, inst),
          resolutions: PROBLEM_TYPES[p.type].resolutions,
          instance_group: inst.group,
        },
      ];
    });
  });

  router.put(
    '/deployments/:name/problems',
    requireAdmin,
    jsonBody,
    directorBody(problemsBody, async (ctx, body) => {
      const d = await findDeployment(s, param(ctx, 'name'));
      const r = body.resolutions;
      if (typeof r !== 'object' || r === null || Array.isArray(r)) throw invalidResolutions(rubyClass(r));
      const resolutions: Record<string, string | null> = {};
      for (const [id, name] of Object.entries(r as Record<string, unknown>)) {
        if (name !== null && typeof name !== 'string') throw invalidResolutions(`${rubyClass(name)} for problem ${id}`);
        resolutions[id] = name;
      }
      const overrides = Object.fromEntries(
        Object.entries(body.max_in_flight_overrides ?? {}).map(([k, v]) => [k, String(v)]),
      );
      await startTask(
        ctx,
        applyResolutionsTask,
        { resolutions, max_in_flight_overrides: overrides },
        { description: 'apply resolutions', deployment: d.name, lock: deploymentLock(d.name) },
      );
    }),
  );

  router.put(
    '/deployments/:name/scan_and_fix',
    requireAdmin,
    jsonBody,
    directorBody(scanAndFixBody, async (ctx, body) => {
      const d = await findDeployment(s, param(ctx, 'name'));
      if (await resurrection.paused()) throw new DirectorError(410004, 400, 'Resurrector is paused');
      const instances = await s.instances.ofDeployment(d.name);
      const jobs: Array<[string, number]> = [];
      for (const [group, indices] of Object.entries(body.jobs)) {
        for (const indexOrId of indices) {
          const inst = instances.find(
            (i) => i.group === group && (String(i.index) === String(indexOrId) || i.id === indexOrId),
          );
          if (!inst) throw new DirectorError(70001, 404, `'${d.name}/${group}/${indexOrId}' doesn't exist`);
          jobs.push([inst.group, inst.index]);
        }
      }
      await startTask(
        ctx,
        scanAndFixTask,
        { jobs, reasons: {} },
        { description: 'scan and fix', deployment: d.name, lock: deploymentLock(d.name) },
      );
    }),
  );

  router.get('/resurrection', requireRead, async (ctx: AppContext) => {
    ctx.body = { resurrection: !(await resurrection.paused()) };
  });

  router.put(
    '/resurrection',
    requireAdmin,
    jsonBody,
    directorBody(resurrectionBody, async (ctx, body) => {
      await resurrection.setPaused(body.resurrection_paused);
      ctx.status = 200;
      ctx.body = '';
    }),
  );

  router.put(
    '/deployments/:name/instance_groups/:group/:index_or_id/ignore',
    requireAdmin,
    jsonBody,
    directorBody(ignoreBody, async (ctx, body) => {
      const d = await findDeployment(s, param(ctx, 'name'));
      const group = param(ctx, 'group');
      const indexOrId = param(ctx, 'index_or_id');
      const inst = (await s.instances.ofDeployment(d.name)).find(
        (i) => i.group === group && (String(i.index) === indexOrId || i.id === indexOrId),
      );
      if (!inst) throw new DirectorError(70001, 404, `'${d.name}/${group}/${indexOrId}' doesn't exist`);
      await s.instances.update(inst.id, { ignore: body.ignore });
      ctx.status = 200;
      ctx.body = '';
    }),
  );

  return router;
}
