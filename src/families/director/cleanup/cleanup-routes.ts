import Router from '@koa/router';
import type { AppContext, AppState } from '../../../http/context';
import { requireAdmin } from '../../../http/director/director-auth';
import { presentStemcell } from '../director-presenters';
import { z } from 'zod';
import { directorInput } from '../../../http/director/json-body';
import { queryFlag } from '../../../http/validate';
import { planCleanup, type CleanupPlan, type CleanupSources } from './artifacts-to-delete';
import { presentOrphanedVm, type OrphanedVms } from './orphaned-vms';

/** The dry run's JSON, as the Director's CleanupArtifactManager#show_all and the CLI's `clean-up --dry-run` read it. */
export function presentCleanupPlan(plan: CleanupPlan) {
  return {
    releases: plan.releases.map((r) => ({ name: r.name, versions: r.versions })),
    stemcells: plan.stemcells.map((s) => presentStemcell(s, [])),
    compiled_packages: plan.compiledPackages.map((c) => ({
      package_name: c.name,
      stemcell_os: c.stemcellOs,
      stemcell_version: c.stemcellVersion,
    })),
    orphaned_disks: plan.orphanedDisks,
    orphaned_vms: plan.orphanedVms.map(presentOrphanedVm),
    exported_releases: plan.exportedReleases,
    dns_blobs: [],
  };
}

/** `--all` and `--keep-orphaned-disks`, as the CLI sends them. */
const dryRunQuery = z.object({ remove_all: queryFlag, keep_orphaned_disks: queryFlag });

/** `bosh clean-up --dry-run [--all]` and `bosh orphaned-vms` (`POST /cleanup` is the task core's). */
export function cleanupDryRunRoutes(sources: CleanupSources & { orphanedVms: OrphanedVms }): Router<AppState> {
  const router = new Router<AppState>();

  router.get(
    '/cleanup/dryrun',
    requireAdmin,
    directorInput({ query: dryRunQuery }, async (ctx, { query }) => {
      const plan = await planCleanup(sources, {
        removeAll: query.remove_all,
        keepOrphanedDisks: query.keep_orphaned_disks,
      });
      ctx.body = presentCleanupPlan(plan);
    }),
  );

  router.get('/orphaned_vms', requireAdmin, async (ctx: AppContext) => {
    ctx.body = (await sources.orphanedVms.list()).map(presentOrphanedVm);
  });

  return router;
}
