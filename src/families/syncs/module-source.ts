import fs from 'node:fs';
import path from 'node:path';
import type { SyncModulesRepo } from './sync-modules-repo';
import { UPLOADED_MODULE_PREFIX } from './sync-task';

/** Where a task's module comes from: a directory under the modules root, or an uploaded tarball. */
export type ModuleSource =
  { kind: 'local'; dir: string } | { kind: 'uploaded'; name: string; version: string; sha256: string };

export class ModuleSourceError extends Error {
  constructor(
    readonly field: 'module' | 'version',
    message: string,
  ) {
    super(message);
  }
}

export const MODULE_NAME = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,127}$/;

/**
 * Resolves `module` and `version` of a task. A local module must be a directory under the modules root
 * (after following links: a link out of the root is refused) holding a `.tf` file; an uploaded one must
 * exist (its newest version when `version` is empty).
 */
export async function resolveModule(
  module: string,
  version: string,
  modulesRoot: string | null,
  modules: SyncModulesRepo,
): Promise<ModuleSource> {
  if (module.startsWith(UPLOADED_MODULE_PREFIX)) {
    const name = module.slice(UPLOADED_MODULE_PREFIX.length);
    if (!MODULE_NAME.test(name)) throw new ModuleSourceError('module', `'${name}' is not a module name`);
    const found = await modules.find(name, version);
    if (!found)
      throw new ModuleSourceError(
        version ? 'version' : 'module',
        `no uploaded module ${name}${version ? ` version ${version}` : ''} (POST /v1/modules uploads one)`,
      );
    return { kind: 'uploaded', name, version: found.version, sha256: found.sha256 };
  }
  if (version)
    throw new ModuleSourceError(
      'version',
      `a local module has no versions; version is only for uploaded modules (${UPLOADED_MODULE_PREFIX}<name>)`,
    );
  if (!modulesRoot)
    throw new ModuleSourceError(
      'module',
      `local modules are not allowed: syncs.modules_root is not set (upload the module and name it ${UPLOADED_MODULE_PREFIX}<name>)`,
    );
  if (/^[a-z][a-z0-9+.-]*::|^[a-z][a-z0-9+.-]*:\/\//i.test(module))
    throw new ModuleSourceError('module', `'${module}' is a remote source; bosun runs only local or uploaded modules`);
  let root: string;
  let dir: string;
  try {
    root = fs.realpathSync(modulesRoot);
  } catch {
    throw new ModuleSourceError('module', `the modules root ${modulesRoot} is gone`);
  }
  try {
    dir = fs.realpathSync(path.resolve(root, module));
  } catch {
    throw new ModuleSourceError('module', `'${module}' is no directory under the modules root`);
  }
  const rel = path.relative(root, dir);
  if (rel.startsWith('..') || path.isAbsolute(rel))
    throw new ModuleSourceError('module', `'${module}' is outside the modules root`);
  if (!fs.statSync(dir).isDirectory()) throw new ModuleSourceError('module', `'${module}' is not a directory`);
  if (!fs.readdirSync(dir).some((f) => f.endsWith('.tf')))
    throw new ModuleSourceError('module', `'${module}' holds no .tf file`);
  return { kind: 'local', dir };
}
