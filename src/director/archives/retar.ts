import { Readable } from 'node:stream';
import { pack } from 'tar-stream';
import { tarEntries } from './tar-entries';
import { readStream } from './read-stream';

/**
 * Re-packs an archive (tar or tar.gz) with every entry moved under `prefix` (e.g.
 * `var/vcap/packages/web`), adding the prefix's directories, so Docker's put-archive at `/` creates
 * them in a container whose image lacks them. `strip` drops that many leading path segments first.
 */
export async function retarUnder(archive: Buffer, prefix: string, strip = 0): Promise<Buffer> {
  const p = pack();
  const out = readStream(p);
  const segments = prefix.split('/').filter(Boolean);
  for (let i = 1; i <= segments.length; i++) p.entry({ name: `${segments.slice(0, i).join('/')}/`, type: 'directory', mode: 0o755 });
  for await (const e of tarEntries(Readable.from([archive]))) {
    const rest = e.name.split('/').slice(strip).join('/');
    if (!rest) {
      e.body.resume();
      continue;
    }
    const name = `${segments.join('/')}/${rest}`;
    const header = (e.body as unknown as { header?: { mode?: number; linkname?: string } }).header ?? {};
    if (e.type === 'file') {
      const data = await readStream(e.body);
      await new Promise<void>((res, rej) => p.entry({ name, mode: header.mode ?? 0o644, size: data.length }, data, (err) => (err ? rej(err) : res())));
    } else if (e.type === 'directory') {
      p.entry({ name: `${name}/`, type: 'directory', mode: header.mode ?? 0o755 });
    } else if (e.type === 'symlink' && header.linkname) {
      p.entry({ name, type: 'symlink', linkname: header.linkname, mode: header.mode ?? 0o777 });
    }
  }
  p.finalize();
  return out;
}
