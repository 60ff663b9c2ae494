import Router from '@koa/router';
import { z } from 'zod';
import type { AppContext, AppState } from '../../http/context';
import { withInput } from '../../http/validate';
import type { BuildDataRepo } from './build-data-repo';
import { presentBuildData } from './build-data-repo';
import type { DesignStore } from './design-store';
import { drydockJson, drydockParam, invalidInput } from './drydock-body';
import { badRequest, notFound } from './drydock-errors';
import { drydockTime } from './drydock-time';
import type { NodeContainers } from './node-containers';
import { nodeFilterSetSchema, selectNodes } from './node-filter';
import type { NodesRepo } from './nodes-repo';

/** Drydock upper-cases `latest`: `True` (what its client sends) and `true` both count. */
const buildDataQuery = z.object({ latest: drydockParam.transform((s) => s?.toUpperCase() === 'TRUE') });

const HOSTNAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,254}$/;

/**
 * `/api/v1.0/nodes` (the provisioned nodes, in the fields Drydock's node list shows, with their
 * containers' power state), `/nodes/{hostname}/builddata[?latest=true]`, and `/nodefilter`.
 */
export function nodeRoutes(
  nodes: NodesRepo,
  buildData: BuildDataRepo,
  containers: NodeContainers,
  designs: DesignStore,
): Router<AppState> {
  const router = new Router<AppState>({ prefix: '/api/v1.0' });

  router.get('/nodes', async (ctx: AppContext) => {
    const [records, running] = await Promise.all([nodes.list(), containers.list()]);
    ctx.body = records.map((n) => {
      const c = running.get(n.name);
      return {
        hostname: n.name,
        memory: n.memory,
        cpu_count: n.cpuCount,
        status_name: n.statusName,
        boot_mac: null,
        power_state: c ? (c.State === 'running' ? 'on' : 'off') : 'unknown',
        power_address: c ? `docker://${c.Id.slice(0, 12)}` : null,
        boot_ip: null,
        image: n.image,
        labels: n.labels,
      };
    });
  });

  router.get(
    '/nodes/:hostname/builddata',
    withInput({ query: buildDataQuery }, invalidInput, async (ctx, { query }) => {
      const hostname = ctx.params.hostname;
      if (!HOSTNAME.test(hostname)) throw notFound('No build data found');
      const records = await buildData.forNode(hostname, query.latest);
      if (!records.length) throw notFound('No build data found');
      ctx.body = records.map((r) => presentBuildData(r, drydockTime));
    }),
  );

  router.post('/nodefilter', drydockJson, async (ctx: AppContext) => {
    const body = (ctx.request.body ?? {}) as Record<string, unknown>;
    if (body.design_ref === undefined || body.design_ref === null)
      throw badRequest('Missing input required value: design_ref');
    const site = designs.effective(await designs.resolve(body.design_ref));
    let filter = null;
    if (body.node_filter !== undefined && body.node_filter !== null) {
      const parsed = nodeFilterSetSchema.safeParse(body.node_filter);
      if (!parsed.success)
        throw badRequest(
          `Invalid node_filter: ${parsed.error.issues[0].path.join('.') || 'node_filter'}: ${parsed.error.issues[0].message}`,
        );
      filter = parsed.data;
    }
    ctx.body = selectNodes(site.nodes, filter, new Map(site.design.racks.map((r) => [r.name, r.labels])));
  });

  return router;
}
