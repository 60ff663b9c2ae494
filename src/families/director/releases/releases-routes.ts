import Router from '@koa/router';
import YAML from 'yaml';
import { badRequest, releaseNotFound } from '../../../errors/director-error';
import type { DirectorServices } from '../director-services';
import { deleteReleaseTask } from './delete-release';
import { uploadReleaseTask } from './upload-release';
import type { AppContext, AppState } from '../../../http/context';
import { presentReleases } from '../director-presenters';
import type { StartTask } from '../../../http/start-task';
import { requireAdmin, requireRead } from '../../../http/director/director-auth';
import { directorInput } from '../../../http/director/json-body';
import { queryText } from '../../../http/validate';
import { z } from 'zod';
import { readTextBody, requireContentType } from '../../../http/raw-body';
import { forceQuery, uploadQuery, uploadTask } from '../stemcells/stemcells-routes';

/** `?version=`: one version of the release rather than its list of versions. */
const versionQuery = z.object({ version: queryText });

async function deployedReleases(s: DirectorServices): Promise<Set<string>> {
  const set = new Set<string>();
  for (const d of await s.deployments.list()) for (const r of d.releases) set.add(`${r.name}/${r.version}`);
  return set;
}

export function releasesRoutes(s: DirectorServices, startTask: StartTask): Router<AppState> {
  const router = new Router<AppState>();

  router.get('/releases', requireRead, async (ctx: AppContext) => {
    ctx.body = presentReleases(await s.releases.list(), await deployedReleases(s));
  });

  router.get(
    '/releases/:name',
    requireRead,
    directorInput({ query: versionQuery }, async (ctx, { query }) => {
      const name = ctx.params.name;
      const versions = await s.releases.versionsOf(name);
      if (!versions.length) throw releaseNotFound(name);
      const wanted = query.version;
      if (wanted === undefined) {
        ctx.body = { name, versions: versions.map((v) => v.version) };
        return;
      }
      const v = versions.find((x) => x.version === wanted);
      if (!v) throw releaseNotFound(`${name}/${wanted}`);
      const compiled = await s.compiled.forFingerprints(v.packages.map((p) => p.fingerprint));
      ctx.body = {
        name: v.name,
        version: v.version,
        jobs: v.jobs.map((j) => ({ name: j.name, fingerprint: j.fingerprint, sha1: j.sha1, blobstore_id: '' })),
        packages: v.packages.map((p) => ({
          name: p.name,
          fingerprint: p.fingerprint,
          sha1: p.sha1,
          blobstore_id: '',
          dependencies: p.dependencies ?? [],
          compiled_packages: compiled
            .filter((c) => c.name === p.name && c.fingerprint === p.fingerprint)
            .map((c) => ({ stemcell: `${c.stemcellOs}/${c.stemcellVersion}`, sha1: c.sha1, blobstore_id: '' })),
        })),
      };
    }),
  );

  router.post(
    '/releases',
    requireAdmin,
    directorInput({ query: uploadQuery }, (ctx, { query }) =>
      uploadTask(ctx, s, startTask, 'release', uploadReleaseTask, query),
    ),
  );

  router.delete(
    '/releases/:name',
    requireAdmin,
    directorInput({ query: versionQuery.extend(forceQuery.shape) }, async (ctx, { query }) => {
      const name = ctx.params.name;
      const version = query.version ?? null;
      const versions = await s.releases.versionsOf(name);
      if (!versions.length || (version !== null && !versions.some((v) => v.version === version))) {
        throw releaseNotFound(version === null ? name : `${name}/${version}`);
      }
      await startTask(
        ctx,
        deleteReleaseTask,
        { name, version, force: query.force },
        { description: `delete release: ${version === null ? name : `${name}/${version}`}` },
      );
    }),
  );

  /** The CLI sends release.MF here before uploading, and leaves out the packages named in the answer. */
  router.post('/packages/matches', requireAdmin, async (ctx: AppContext) => {
    requireContentType(ctx, 'text/yaml', 'application/x-yaml');
    let doc: unknown;
    try {
      doc = YAML.parse(await readTextBody(ctx));
    } catch {
      throw badRequest('Manifest is not valid YAML');
    }
    const packages = (doc as { packages?: unknown })?.packages;
    if (!Array.isArray(packages)) throw badRequest("Manifest doesn't have a packages list");
    const fingerprints = packages
      .map((p) => (p as { fingerprint?: unknown })?.fingerprint)
      .filter((f): f is string => typeof f === 'string');
    ctx.body = await s.releases.packageFingerprints(fingerprints);
  });

  router.post('/packages/matches_compiled', requireAdmin, async (ctx: AppContext) => {
    requireContentType(ctx, 'text/yaml', 'application/x-yaml');
    await readTextBody(ctx);
    ctx.body = [];
  });

  return router;
}
