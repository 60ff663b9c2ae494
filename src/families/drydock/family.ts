import type { DockerEngine } from '../../docker/docker-engine';
import Router from '@koa/router';
import type { Family, FamilyDeps } from '../family';
import { containerPolicy, toLimits } from '../../docker/container-limits';
import type { AppContext, AppState } from '../../http/context';
import { rejectNulBytes } from '../../http/middleware/reject-nul-bytes';
import { BootActionService } from './boot-action-service';
import { bootActionRoutes } from './bootaction-routes';
import { BootActionsRepo } from './boot-actions-repo';
import { BuildDataRepo } from './build-data-repo';
import { designRoutes } from './design-routes';
import { DesignStore } from './design-store';
import { DesignsRepo } from './designs-repo';
import { drydockRealm } from './drydock-auth';
import { drydockErrors, renderDrydockError, tagDrydockRequest } from './drydock-errors';
import { DRYDOCK_TASK_TYPE, drydockOperation } from './drydock-operation';
import { DrydockTaskService } from './drydock-task-service';
import { DrydockTasksRepo } from './drydock-tasks-repo';
import { keystoneRealm, keystoneRoutes } from './keystone-routes';
import { NodeActions } from './node-actions';
import { NodeContainers } from './node-containers';
import { removeLeftoverNodes } from './node-leftovers';
import { nodeRoutes } from './node-routes';
import { NodesRepo } from './nodes-repo';
import { ReportLinesRepo } from './report-lines-repo';
import { taskRoutes } from './task-routes';
import { drydockConfigSchema } from './drydock-config';

/**
 * Airship Drydock's API (`/api/v1.0`) on Docker: site designs, provisioning tasks with a subtask per
 * node, build data, boot data and boot-action reports; and the part of Keystone v3 (`/v3`) Drydock's
 * CLI authenticates through. A node is a container of its host profile's image.
 */
export function drydockFamily(deps: FamilyDeps, docker: DockerEngine = deps.docker): Family {
  const knex = deps.db.knex;
  const cfg = deps.config.drydock;
  const designs = new DesignStore(new DesignsRepo(knex));
  const drydockTasks = new DrydockTasksRepo(knex);
  const buildData = new BuildDataRepo(knex);
  const nodes = new NodesRepo(knex);
  const bootActions = new BootActionsRepo(knex);
  const reports = new BootActionService(
    knex,
    bootActions,
    drydockTasks,
    new ReportLinesRepo(knex),
    deps.tasks,
    deps.db.notifier,
    deps.log,
  );
  const containers = new NodeContainers(docker, {
    networkMode: deps.config.docker.network,
    policy: containerPolicy(deps.config.docker, toLimits(deps.config.docker.limits)),
    nodeId: deps.config.node_id,
    stopGraceSeconds: deps.config.docker.stop_grace_seconds,
  });
  const actions = new NodeActions({
    containers,
    nodes,
    buildData,
    bootActions,
    reports,
    unitTimeoutMs: cfg.unit_timeout_seconds * 1000,
    reportUrl: cfg.report_url,
  });
  const service = new DrydockTaskService(drydockTasks, designs, deps.tasks, buildData);

  const router = new Router<AppState>();
  router.use('/api/v1.0', tagDrydockRequest, drydockErrors, rejectNulBytes);
  for (const r of [
    designRoutes(designs),
    taskRoutes(service),
    nodeRoutes(nodes, buildData, containers, designs),
    bootActionRoutes({ bootActions, drydockTasks, designs, reports, reportUrl: cfg.report_url }),
  ]) {
    router.use(r.routes());
  }
  // Any other path under /api/v1.0 answers in Drydock's shape too: 405 where another method is served, else 404.
  router.register(
    '/api/v1.0/{*rest}',
    ['GET', 'POST', 'PUT', 'PATCH', 'DELETE'],
    function drydockEndpointNotFound(ctx: AppContext) {
      const allowed = new Set(
        router
          .match(ctx.path, ctx.method)
          .path.filter((l) => l.methods.length && String(l.path) !== '/api/v1.0/{*rest}')
          .flatMap((l) => l.methods),
      );
      if (allowed.size) {
        ctx.set('Allow', [...allowed].join(', '));
        return renderDrydockError(ctx, 405, `Method ${ctx.method} is not allowed on ${ctx.path}`);
      }
      renderDrydockError(ctx, 404, `Endpoint '${ctx.path}' not found.`);
    },
  );

  const keystone = deps.auth && deps.tokens ? [keystoneRoutes(deps.auth, deps.tokens)] : [];
  return {
    migrations: ['20261203000030_create_drydock', '20261204000041_create_drydock_report_lines'],
    config: [{ key: 'drydock', schema: drydockConfigSchema }],
    operations: [
      drydockOperation({ drydockTasks, designs, actions, containers, reports, width: cfg.node_parallelism }),
    ],
    routers: [router, ...keystone],
    realms: [drydockRealm, keystoneRealm],
    verboseTaskTypes: [DRYDOCK_TASK_TYPE],
    async start() {
      const removed = await removeLeftoverNodes(containers, nodes, (id) =>
        deps.tasks.isRunningOn(id, deps.config.node_id),
      );
      if (removed.length) deps.log.info({ containers: removed }, 'removed node containers no provisioned node claims');
      await reports.start();
    },
    async stop() {
      await reports.stop();
    },
  };
}
