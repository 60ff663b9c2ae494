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
import { directorInput, jsonBody } from '../../../http/director/json-body';
import { queryText } from '../../../http/validate';

/** `?format=full` asks for the task that gathers each instance's processes and vitals. */
const listQuery = z.object({ format: queryText });

const stateChangeQuery = z.object({
  state: queryText.pipe(
    z.enum(INSTANCE_STATES, {
      error: (i) =>
        `Unknown state '${typeof i.input === 'string' ? i.input : ''}': expected one of ${INSTANCE_STATES.join(', ')}`,
    }),
  ),
});

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

  router.get(
    '/deployments/:name/vms',
    requireRead,
    directorInput({ query: listQuery }, async (ctx, { query }) => {
      if (query.format === 'full') return startVmStates(ctx, 'vms');
      const d = await findDeployment(s, ctx.params.name);
      ctx.body = (await s.instances.ofDeployment(d.name)).filter((i) => i.containerId).map(presentVm);
    }),
  );

  router.get(
    '/deployments/:name/instances',
    requireRead,
    directorInput({ query: listQuery }, async (ctx, { query }) => {
      if (query.format === 'full') return startVmStates(ctx, 'instances');
      const d = await findDeployment(s, ctx.params.name);
      ctx.body = (await s.instances.ofDeployment(d.name)).map(presentInstance);
    }),
  );

  const changeState = directorInput({ query: stateChangeQuery }, async (ctx, { query: { state } }) => {
    const d = await findDeployment(s, ctx.params.name);
    const group = ctx.params.group ?? null;
    const indexOrId = ctx.params.index_or_id ?? null;
    if (!selectInstances(await s.instances.ofDeployment(d.name), group, indexOrId).length) {
      throw badRequest(
        `No instances match '${group ?? '*'}${indexOrId ? `/${indexOrId}` : ''}' in deployment '${d.name}'`,
      );
    }
    const what = group === null || group === '*' ? 'instances' : `instance ${group}${indexOrId ? `/${indexOrId}` : ''}`;
    const verb = { started: 'start', stopped: 'stop', detached: 'stop', restart: 'restart', recreate: 'recreate' }[
      state
    ];
    await startTask(
      ctx,
      changeStateTask,
      { state, group, index_or_id: indexOrId },
      { description: `${verb} ${what}`, deployment: d.name, lock: deploymentLock(d.name) },
    );
  });
  router.put('/deployments/:name/jobs/:group', requireAdmin, changeState);
  router.put('/deployments/:name/jobs/:group/:index_or_id', requireAdmin, changeState);

  router.get('/deployments/:name/errands', requireRead, async (ctx: AppContext) => {
    const d = await findDeployment(s, ctx.params.name);
    ctx.body = d.manifest ? errandNames(d.manifest).map((name) => ({ name })) : [];
  });

  router.post(
    '/deployments/:name/errands/:errand/runs',
    requireAdmin,
    jsonBody,
    directorInput({ body: errandRunSchema }, async (ctx, { body }) => {
      const d = await findDeployment(s, ctx.params.name);
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
    }),
  );

  return router;
}
