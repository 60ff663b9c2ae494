import fs from 'node:fs/promises';
import path from 'node:path';
import { Readable } from 'node:stream';
import zlib from 'node:zlib';
import { extract } from 'tar-stream';

export class ModuleArchiveError extends Error {}

/** One entry of a module tarball, checked: a directory, a file, or a link that stays inside the module. */
export interface ModuleEntry {
  name: string;
  type: 'directory' | 'file' | 'symlink';
  mode: number;
  data: Buffer;
  /** A symlink's target, as written (relative, inside the module). */
  target?: string;
}

/** A name must stay inside the module: relative, no `..` segment, no NUL. */
function checkName(raw: string): string {
  if (raw.includes('\0')) throw new ModuleArchiveError(`entry '${raw.replace(/\0/g, '\\0')}' holds a NUL byte`);
  if (raw.startsWith('/')) throw new ModuleArchiveError(`entry '${raw}' is an absolute path`);
  const segments = raw.split('/').filter((s) => s !== '' && s !== '.');
  if (segments.includes('..')) throw new ModuleArchiveError(`entry '${raw}' leaves the module (..)`);
  return segments.join('/');
}

/** A link target, resolved from the link's directory, must stay inside the module. */
function checkLinkTarget(name: string, target: string, kind: string): string {
  if (!target || target.includes('\0')) throw new ModuleArchiveError(`${kind} '${name}' has no usable target`);
  if (target.startsWith('/'))
    throw new ModuleArchiveError(`${kind} '${name}' points to an absolute path (${target}), out of the module`);
  const resolved = path.posix.normalize(path.posix.join(path.posix.dirname(name), target));
  if (resolved === '..' || resolved.startsWith('../'))
    throw new ModuleArchiveError(`${kind} '${name}' points out of the module (${target})`);
  return resolved;
}

/**
 * Reads and checks a module tarball (tar or tar.gz): every name relative and inside the module, links
 * only to paths inside it (hard links become copies), nothing but directories, files and links, at
 * most `maxBytes` unpacked, and at least one `.tf` file.
 */
export async function readModuleArchive(archive: Buffer, maxBytes: number): Promise<ModuleEntry[]> {
  const gzipped = archive.length >= 2 && archive[0] === 0x1f && archive[1] === 0x8b;
  let tar: Buffer;
  try {
    tar = gzipped ? zlib.gunzipSync(archive, { maxOutputLength: maxBytes + 1024 * 1024 }) : archive;
  } catch (err) {
    throw new ModuleArchiveError(
      `not a valid gzip archive, or larger than ${maxBytes} bytes unpacked: ${(err as Error).message}`,
    );
  }
  const entries: ModuleEntry[] = [];
  const byName = new Map<string, ModuleEntry>();
  let total = 0;
  const ex = extract();
  Readable.from([tar]).pipe(ex);
  try {
    for await (const entry of ex) {
      const h = entry.header;
      const name = checkName(h.name);
      const parts: Buffer[] = [];
      for await (const p of entry) {
        total += (p as Buffer).length;
        if (total > maxBytes) throw new ModuleArchiveError(`the module holds more than ${maxBytes} bytes`);
        parts.push(p as Buffer);
      }
      if (!name) continue;
      const mode = (h.mode ?? 0o644) & 0o755;
      let e: ModuleEntry;
      if (h.type === 'directory') e = { name, type: 'directory', mode: 0o755, data: Buffer.alloc(0) };
      else if (h.type === 'file' || h.type === 'contiguous-file')
        e = { name, type: 'file', mode, data: Buffer.concat(parts) };
      else if (h.type === 'symlink')
        e = {
          name,
          type: 'symlink',
          mode,
          data: Buffer.alloc(0),
          target: (checkLinkTarget(name, h.linkname ?? '', 'symlink'), h.linkname),
        };
      else if (h.type === 'link') {
        const target = checkName(h.linkname ?? '');
        const original = byName.get(target);
        if (!original || original.type !== 'file')
          throw new ModuleArchiveError(
            `hard link '${name}' points to '${h.linkname}', which is no earlier file of the module`,
          );
        e = { name, type: 'file', mode: original.mode, data: original.data };
      } else
        throw new ModuleArchiveError(
          `entry '${name}' is a ${h.type}; a module holds only directories, files and links`,
        );
      entries.push(e);
      byName.set(name, e);
    }
  } catch (err) {
    if (err instanceof ModuleArchiveError) throw err;
    throw new ModuleArchiveError(`not a valid tar archive: ${(err as Error).message}`);
  }
  if (!entries.some((e) => e.type === 'file' && e.name.endsWith('.tf') && !e.name.includes('/'))) {
    throw new ModuleArchiveError('the module has no .tf file at its top level');
  }
  return entries;
}

/** Writes checked entries under `dir` (which must exist and be empty). */
export async function unpackModule(entries: ModuleEntry[], dir: string): Promise<void> {
  for (const e of entries) {
    const to = path.join(dir, ...e.name.split('/'));
    await fs.mkdir(e.type === 'directory' ? to : path.dirname(to), { recursive: true });
    if (e.type === 'file') await fs.writeFile(to, e.data, { mode: e.mode | 0o600 });
    else if (e.type === 'symlink') await fs.symlink(e.target!, to);
  }
}
