import Router from '@koa/router';
import { z } from 'zod';
import { badRequest } from '../../../errors/director-error';
import { deploymentLock, DirectorServices } from '../director-services';
import { changeStateTask, INSTANCE_STATES, selectInstances } from '../deployments/change-instance-state';
import { errandNames, runErrandTask } from '../deployments/run-errand';
import { vmStatesTask } from '../deployments/vm-states';
import type { AppContext, AppState } from '../../../http/context';
import { presentInstance, presentVm } from '../director-presenters';
import type { StartTask } from '../../../http/start-task';
import { findDeployment } from '../deployments/deployments-routes';
import { requireAdmin, requireRead } from '../../../http/director/director-auth';
import { jsonBody, parseBody } from '../../../http/director/json-body';
import { queryParam } from '../query-flags';

const errandRunSchema = z.object({
  'keep-alive': z.boolean().optional(),
  'when-changed': z.boolean().optional(),
  instances: z
    .array(z.union([z.string(), z.object({ group: z.string(), id: z.string().optional() }).passthrough()]))
    .optional(),
});

export function instancesRoutes(s: DirectorServices, startTask: StartTask): Router<AppState> {
  const router = new Router<AppState>();

  const startVmStates = async (ctx: AppContext, kind: 'vms' | 'instances') => {
    const d = await findDeployment(s, ctx.params.name);
    await startTask(ctx, vmStatesTask, { kind }, { description: 'retrieve vm-stats', deployment: d.name });
  };

  router.get('/deployments/:name/vms', requireRead, async (ctx: AppContext) => {
    if (queryParam(ctx, 'format') === 'full') return startVmStates(ctx, 'vms');
    const d = await findDeployment(s, ctx.params.name);
    ctx.body = (await s.instances.ofDeployment(d.name)).filter((i) => i.containerId).map(presentVm);
  });

  router.get('/deployments/:name/instances', requireRead, async (ctx: AppContext) => {
    if (queryParam(ctx, 'format') === 'full') return startVmStates(ctx, 'instances');
    const d = await findDeployment(s, ctx.params.name);
    ctx.body = (await s.instances.ofDeployment(d.name)).map(presentInstance);
  });

  const changeState = async (ctx: AppContext) => {
    const d = await findDeployment(s, ctx.params.name);
    const state = queryParam(ctx, 'state');
    if (!state || !(INSTANCE_STATES as readonly string[]).includes(state))
      throw badRequest(`Unknown state '${state ?? ''}': expected one of ${INSTANCE_STATES.join(', ')}`);
    const group = ctx.params.group ?? null;
    const indexOrId = ctx.params.index_or_id ?? null;
    if (!selectInstances(await s.instances.ofDeployment(d.name), group, indexOrId).length) {
      throw badRequest(
        `No instances match '${group ?? '*'}${indexOrId ? `/${indexOrId}` : ''}' in deployment '${d.name}'`,
      );
    }
    const what = group === null || group === '*' ? 'instances' : `instance ${group}${indexOrId ? `/${indexOrId}` : ''}`;
    const verb = { started: 'start', stopped: 'stop', detached: 'stop', restart: 'restart', recreate: 'recreate' }[
      state as (typeof INSTANCE_STATES)[number]
    ];
    await startTask(
      ctx,
      changeStateTask,
      { state: state as (typeof INSTANCE_STATES)[number], group, index_or_id: indexOrId },
      { description: `${verb} ${what}`, deployment: d.name, lock: deploymentLock(d.name) },
    );
  };
  router.put('/deployments/:name/jobs/:group', requireAdmin, changeState);
  router.put('/deployments/:name/jobs/:group/:index_or_id', requireAdmin, changeState);

  router.get('/deployments/:name/errands', requireRead, async (ctx: AppContext) => {
    const d = await findDeployment(s, ctx.params.name);
    ctx.body = d.manifest ? errandNames(d.manifest).map((name) => ({ name })) : [];
  });

  router.post('/deployments/:name/errands/:errand/runs', requireAdmin, jsonBody, async (ctx: AppContext) => {
    const d = await findDeployment(s, ctx.params.name);
    const body = parseBody(errandRunSchema, ctx.request.body ?? {});
    await startTask(
      ctx,
      runErrandTask,
      {
        errand: ctx.params.errand,
        keep_alive: body['keep-alive'] ?? false,
        instances: (body.instances ?? []).map((i) => (typeof i === 'string' ? i : i.group)),
      },
      {
        description: `run errand ${ctx.params.errand} from deployment ${d.name}`,
        deployment: d.name,
        lock: deploymentLock(d.name),
      },
    );
  });

  return router;
}
