import { z } from 'zod';
import type { Stage } from '../../../tasks/event-log';
import { defineOperation } from '../../../runner/operation';
import { taskKind } from '../../../tasks/task-kind';
import type { BlobStore } from '../../../blobs/blob-store';
import { digestsMatch } from '../archives/digest';
import type { EventRecorder } from '../events/event-recorder';
import { parseReleaseManifest, ReleaseJobRef, ReleasePackageRef } from './release-manifest';
import type { ReleasesRepo } from './releases-repo';
import { parseJobArchive } from './job-archive';
import { discardStaged, extractRelease, StagedArchive } from './release-archive';

export const UPLOAD_RELEASE_TYPE = 'update_release';

const params = z.object({ blob_id: z.string(), fix: z.boolean().default(false) });

export const uploadReleaseTask = taskKind(UPLOAD_RELEASE_TYPE, params);

/**
 * `bosh upload-release`: streams every job and package archive of the upload into a blob of its
 * own, reads `release.MF`, checks every archive against its digest (a package the client left out
 * because `/packages/matches` said bosun has it must really be stored), and keeps the new jobs and
 * packages as blobs every node can read; the staged archives it does not keep are dropped.
 */
export function uploadRelease(blobs: BlobStore, releases: ReleasesRepo, events: EventRecorder) {
  return defineOperation({
    ...uploadReleaseTask,
    async run(p, ctx) {
      let files = new Map<string, StagedArchive>();
      try {
        const extract = ctx.beginStage('Extracting release', 1);
        const extracted = await extract.step('Extracting release', () => extractRelease(blobs, p.blob_id));
        files = extracted.archives;
        const verify = ctx.beginStage('Verifying manifest', 1);
        const manifest = await verify.step('Verifying manifest', async () => {
          if (!extracted.manifest) throw new Error('Release archive has no release.MF');
          const parsed = parseReleaseManifest(extracted.manifest.toString('utf8'));
          for (const job of parsed.jobs) await checkArtifact('jobs', job, files.get(`jobs/${job.name}.tgz`), releases);
          for (const pkg of parsed.packages)
            await checkArtifact('packages', pkg, files.get(`packages/${pkg.name}.tgz`), releases);
          for (const job of parsed.jobs) {
            const archive = files.get(`jobs/${job.name}.tgz`);
            if (archive) await parseJobArchive(blobs.read(archive.blobId), job.name);
          }
          return parsed;
        });
        const slug = `${manifest.name}/${manifest.version}`;
        const existing = await releases.find(manifest.name, manifest.version);
        if (existing && !p.fix) {
          await ctx.events.warning(`Release '${slug}' already exists.`);
          return `/releases/${slug}`;
        }
        ctx.checkpoint();
        await storeArtifacts(
          ctx.beginStage('Creating new packages', manifest.packages.length),
          'release_packages',
          manifest.packages,
          'packages',
          files,
          blobs,
          releases,
          p.fix,
        );
        await storeArtifacts(
          ctx.beginStage('Creating new jobs', manifest.jobs.length),
          'release_jobs',
          manifest.jobs,
          'jobs',
          files,
          blobs,
          releases,
          p.fix,
        );
        await ctx.beginStage('Release has been created', 1).step(slug, async () => {
          if (existing) await releases.deleteVersion(existing.id);
          await releases.insertVersion({
            name: manifest.name,
            version: manifest.version,
            commitHash: manifest.commit_hash ?? '',
            uncommittedChanges: manifest.uncommitted_changes ?? false,
            jobs: manifest.jobs,
            packages: manifest.packages,
          });
        });
        await events.record({ action: 'create', objectType: 'release', objectName: slug, task: ctx.task });
        return `Created release '${slug}'`;
      } finally {
        // Whatever was adopted left `files`; the rest (duplicates, stray archives, a failed upload) goes.
        await discardStaged(blobs, files.values());
        await blobs.delete(p.blob_id);
      }
    },
  });
}

async function checkArtifact(
  kind: 'jobs' | 'packages',
  ref: ReleaseJobRef | ReleasePackageRef,
  archive: StagedArchive | undefined,
  releases: ReleasesRepo,
) {
  const what = kind === 'jobs' ? 'Job' : 'Package';
  if (archive) {
    if (!digestsMatch(ref.sha1, archive.digests))
      throw new Error(`${what} '${ref.name}' (${ref.fingerprint}): archive does not match its digest ${ref.sha1}`);
    return;
  }
  const stored = await releases.artifact(
    kind === 'jobs' ? 'release_jobs' : 'release_packages',
    ref.name,
    ref.fingerprint,
  );
  if (!stored)
    throw new Error(
      `${what} '${ref.name}' (${ref.fingerprint}) is missing from the release archive and not uploaded before`,
    );
}

async function storeArtifacts(
  stage: Stage,
  table: 'release_jobs' | 'release_packages',
  refs: Array<ReleaseJobRef | ReleasePackageRef>,
  dir: 'jobs' | 'packages',
  files: Map<string, StagedArchive>,
  blobs: BlobStore,
  releases: ReleasesRepo,
  fix: boolean,
) {
  for (const ref of refs) {
    await stage.step(`${ref.name}/${ref.fingerprint}`, async () => {
      const path = `${dir}/${ref.name}.tgz`;
      const archive = files.get(path);
      const stored = await releases.artifact(table, ref.name, ref.fingerprint);
      if (stored && !(fix && archive)) return;
      if (!archive) return;
      // The staged blob becomes the artifact's (or, when another upload stored it meanwhile, is dropped here).
      files.delete(path);
      const blobId = archive.blobId;
      if (stored) {
        await releases.replaceArtifactBlob(table, ref.name, ref.fingerprint, ref.sha1, blobId);
        await blobs.delete(stored.blobId);
      } else if (
        !(await releases.saveArtifact(table, { name: ref.name, fingerprint: ref.fingerprint, sha1: ref.sha1, blobId }))
      ) {
        await blobs.delete(blobId);
      }
    });
  }
}
