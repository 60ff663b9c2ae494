import Router from '@koa/router';
import { badRequest, deploymentNotFound } from '../../../errors/director-error';
import { deploymentLock, DirectorServices } from '../director-services';
import { deleteDeploymentTask } from './delete-deployment';
import { deployTask } from './deploy-deployment';
import { manifestHead, ManifestError, parseManifestDocument } from './deployment-manifest';
import { cloudConfigState, deploymentDiff } from './deployment-diff';
import { contextConfigIds, latestConfigIds } from './deployment-configs';
import type { AppContext, AppState } from '../../../http/context';
import { presentDeployment } from '../director-presenters';
import type { StartTask } from '../../../http/start-task';
import { requireAdmin, requireRead } from '../../../http/director/director-auth';
import { directorInput } from '../../../http/director/json-body';
import { queryFlag, queryText } from '../../../http/validate';
import { z } from 'zod';
import { readTextBody, requireContentType } from '../../../http/raw-body';

/** A manifest from the request: YAML, a mapping, with a valid name; anything else is a 400. */
async function manifestOf(ctx: AppContext): Promise<{ text: string; doc: Record<string, unknown>; name: string }> {
  requireContentType(ctx, 'text/yaml', 'application/x-yaml');
  const text = await readTextBody(ctx);
  try {
    const doc = parseManifestDocument(text);
    return { text, doc, name: manifestHead(doc).name };
  } catch (err) {
    if (err instanceof ManifestError) throw badRequest(err.message);
    throw err;
  }
}

/** `?redact=false` shows secret values in the diff; anything else redacts them. */
const diffQuery = z.object({ redact: queryText.transform((s) => s !== 'false') });

const deployQuery = z.object({ recreate: queryFlag, dry_run: queryFlag, context: queryText });

const deleteQuery = z.object({ force: queryFlag });

export async function findDeployment(s: DirectorServices, name: string) {
  const d = await s.deployments.find(name);
  if (!d) throw deploymentNotFound(name);
  return d;
}

export function deploymentsRoutes(s: DirectorServices, startTask: StartTask): Router<AppState> {
  const router = new Router<AppState>();

  router.get('/deployments', requireRead, async (ctx: AppContext) => {
    const locked = new Set((await s.tasks.listRunning()).map((t) => t.queueName));
    const latestCloud = (await s.configs.latestSet('cloud')).map((c) => c.id);
    const used = await s.deploymentConfigs.list();
    const cloudIds = new Set(used.filter((u) => u.type === 'cloud').map((u) => u.configId));
    const idsOf = (name: string) => used.filter((u) => u.deployment === name).map((u) => u.configId);
    ctx.body = (await s.deployments.list()).map((d) =>
      presentDeployment(d, locked.has(deploymentLock(d.name)), cloudConfigState(idsOf(d.name), cloudIds, latestCloud)),
    );
  });

  router.get('/deployments/:name', requireRead, async (ctx: AppContext) => {
    const d = await findDeployment(s, ctx.params.name);
    ctx.body = { manifest: d.manifest ?? '' };
  });

  router.post(
    '/deployments/:name/diff',
    requireAdmin,
    directorInput({ query: diffQuery }, async (ctx, { query }) => {
      const { doc } = await manifestOf(ctx);
      const d = await s.deployments.find(ctx.params.name);
      ctx.body = await deploymentDiff(s.configs, s.deploymentConfigs, d, doc, query.redact);
    }),
  );

  router.post(
    '/deployments',
    requireAdmin,
    directorInput({ query: deployQuery }, async (ctx, { query }) => {
      const { text, name } = await manifestOf(ctx);
      const dryRun = query.dry_run;
      const configIds = query.context
        ? await contextConfigIds(s.configs, query.context)
        : await latestConfigIds(s.configs);
      await s.deployments.findOrCreate(name);
      await startTask(
        ctx,
        deployTask,
        { manifest: text, recreate: query.recreate, dry_run: dryRun, ...configIds },
        {
          description: dryRun ? 'create deployment (dry run)' : 'create deployment',
          deployment: name,
          lock: deploymentLock(name),
        },
      );
    }),
  );

  router.delete(
    '/deployments/:name',
    requireAdmin,
    directorInput({ query: deleteQuery }, async (ctx, { query }) => {
      const d = await findDeployment(s, ctx.params.name);
      await startTask(
        ctx,
        deleteDeploymentTask,
        { force: query.force },
        { description: `delete deployment ${d.name}`, deployment: d.name, lock: deploymentLock(d.name) },
      );
    }),
  );

  return router;
}
