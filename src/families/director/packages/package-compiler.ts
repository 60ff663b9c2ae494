import type { DockerEngine } from '../../../docker/docker-engine';
import crypto from 'node:crypto';
import { Readable } from 'node:stream';
import type { ContainerPolicy } from '../../../docker/container-limits';
import { runContainer } from '../../../docker/container-runner';
import type { Overlay } from '../../../docker/overlay';
import { OutputRedactor } from '../../../docker/output-redactor';
import type { TaskContext } from '../../../runner/task-context';
import type { BlobStore } from '../../../blobs/blob-store';
import { retarUnder } from '../archives/retar';
import type { ReleaseVersion, ReleasesRepo } from '../releases/releases-repo';
import type { Stemcell } from '../stemcells/stemcells-repo';
import type { CompiledPackage, CompiledPackagesRepo } from './compiled-packages-repo';
import { packagesInBuildOrder, transitiveDependencies } from './package-graph';

export interface CompileSettings {
  nodeId: string;
  networkMode: string;
  stopGraceSeconds: number;
  policy: ContainerPolicy;
}

/** The shell line that runs a package's `packaging` script as the BOSH agent does (`bash -x`, else `sh -x`). */
const COMPILE_COMMAND =
  'cd "$BOSH_COMPILE_TARGET" && if command -v bash >/dev/null 2>&1; then exec bash -x packaging; else exec sh -x packaging; fi';

/**
 * Compiles release packages for a stemcell as BOSH does: each package's `packaging` script runs in a
 * container of the stemcell's image with its source in BOSH_COMPILE_TARGET and its compiled
 * dependencies under /var/vcap/packages; what it installs in BOSH_INSTALL_TARGET is kept, once per
 * package fingerprint, stemcell and dependency set, and reused by every later deploy.
 */
export class PackageCompiler {
  constructor(
    private readonly docker: DockerEngine,
    private readonly blobs: BlobStore,
    private readonly releases: ReleasesRepo,
    private readonly compiled: CompiledPackagesRepo,
    private readonly settings: CompileSettings,
  ) {}

  /** Compiled packages (by name) for `wanted` and their dependencies, compiling what is missing. */
  async compile(
    ctx: TaskContext,
    release: ReleaseVersion,
    wanted: string[],
    stemcell: Stemcell,
  ): Promise<Map<string, CompiledPackage>> {
    const order = packagesInBuildOrder(release.packages, wanted, `${release.name}/${release.version}`);
    const done = new Map<string, CompiledPackage>();
    const missing: typeof order = [];
    for (const pkg of order) {
      const found = await this.compiled.find(this.keyOf(pkg.name, pkg.fingerprint, release, stemcell));
      if (found) done.set(pkg.name, found);
      else missing.push(pkg);
    }
    if (!missing.length) return done;
    const stage = ctx.beginStage('Compiling packages', missing.length);
    // Build order is kept: every dependency of a package is in `done` before the package compiles.
    for (const pkg of missing) {
      ctx.checkpoint();
      const key = this.keyOf(pkg.name, pkg.fingerprint, release, stemcell);
      const result = await stage.step(`${pkg.name}/${pkg.fingerprint}`, () =>
        this.compileOne(ctx, release, pkg.name, pkg.fingerprint, stemcell, done),
      );
      const saved: CompiledPackage = { ...key, ...result };
      if (await this.compiled.save(saved)) done.set(pkg.name, saved);
      else {
        // Another task compiled the same package meanwhile: keep its copy.
        await this.blobs.delete(saved.blobId);
        done.set(pkg.name, (await this.compiled.find(key))!);
      }
    }
    return done;
  }

  /** A compiled package is identified by its fingerprint, the stemcell, and its dependencies' fingerprints. */
  private keyOf(name: string, fingerprint: string, release: ReleaseVersion, stemcell: Stemcell) {
    const deps = transitiveDependencies(release.packages, name).sort();
    const dependencyKey = deps.map((d) => `${d}/${release.packages.find((p) => p.name === d)!.fingerprint}`).join(',');
    return {
      name,
      fingerprint,
      stemcellOs: stemcell.operatingSystem,
      stemcellVersion: stemcell.version,
      dependencyKey,
    };
  }

  /**
   * Runs the packaging script; its install target, as Docker archives it, streams straight into a
   * blob (hashed on the way), whatever its size. Returns the blob and its SHA-1.
   */
  private async compileOne(
    ctx: TaskContext,
    release: ReleaseVersion,
    name: string,
    fingerprint: string,
    stemcell: Stemcell,
    done: Map<string, CompiledPackage>,
  ): Promise<{ blobId: string; sha1: string }> {
    const source = await this.releases.artifact('release_packages', name, fingerprint);
    if (!source) throw new Error(`Package '${name}' (${fingerprint}) has no stored source`);
    const overlays: Overlay[] = [() => retarUnder(this.blobs.read(source.blobId), `var/vcap/data/compile/${name}`)];
    for (const dep of transitiveDependencies(release.packages, name)) {
      const pkg = done.get(dep)!;
      overlays.push(() => placeCompiledPackage(this.blobs, pkg));
    }
    overlays.push(() => retarUnder(emptyTar(), `var/vcap/packages/${name}`));
    let archive: { blobId: string; sha1: string } | null = null;
    // The deploy's secrets are not given to packaging scripts, but whatever the task writes is redacted.
    const redacted = new OutputRedactor(ctx.redactor);
    const outcome = await runContainer(
      this.docker,
      {
        image: stemcell.cid,
        cmd: ['/bin/sh', '-c', COMPILE_COMMAND],
        env: [
          `BOSH_COMPILE_TARGET=/var/vcap/data/compile/${name}`,
          `BOSH_INSTALL_TARGET=/var/vcap/packages/${name}`,
          `BOSH_PACKAGE_NAME=${name}`,
          `BOSH_PACKAGE_VERSION=${fingerprint}`,
        ],
        tty: false,
        taskId: ctx.task.id,
        nodeId: this.settings.nodeId,
        networkMode: this.settings.networkMode,
        policy: this.settings.policy,
        overlays,
      },
      {
        created: () => Promise.resolve(),
        output: async (piece) => ctx.debugRaw(redacted.push(piece.data)),
        ended: async () => ctx.debugRaw(redacted.end()),
        exited: async (container, code) => {
          if (code !== 0) return;
          const out = (await container.getArchive({
            path: `/var/vcap/packages/${name}`,
          })) as unknown as AsyncIterable<Buffer>;
          const sha1 = crypto.createHash('sha1');
          const stored = await this.blobs.putStream(out, undefined, (chunk) => sha1.update(chunk));
          archive = { blobId: stored.id, sha1: sha1.digest('hex') };
        },
      },
      ctx.signal,
      this.settings.stopGraceSeconds,
    );
    const result = archive as { blobId: string; sha1: string } | null;
    if (ctx.signal.aborted && result) await this.blobs.delete(result.blobId);
    ctx.checkpoint();
    if (outcome.exitCode !== 0 || !result) {
      throw new Error(
        `Compiling package '${name}': packaging script exited with code ${outcome.exitCode} (the task's debug log has its output)`,
      );
    }
    return result;
  }
}

/** A compiled package (stored as Docker's archive of its directory) streamed to /var/vcap/packages/<name>. */
export function placeCompiledPackage(blobs: BlobStore, pkg: CompiledPackage): Readable {
  return retarUnder(blobs.read(pkg.blobId), `var/vcap/packages/${pkg.name}`, 1);
}

/** An archive with no entries: its end-of-archive blocks only. */
function emptyTar(): Readable {
  return Readable.from([Buffer.alloc(1024)]);
}
