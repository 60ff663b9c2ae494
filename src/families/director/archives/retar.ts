import { Readable } from 'node:stream';
import { pack, type Pack } from 'tar-stream';
import { tarEntries } from './tar-entries';
import { asError } from '../../../errors/as-error';

/**
 * Re-packs an archive (tar or tar.gz) with every entry moved under `prefix` (e.g.
 * `var/vcap/packages/web`), adding the prefix's directories, so Docker's put-archive at `/` creates
 * them in a container whose image lacks them. `strip` drops that many leading path segments first.
 * A stream transform: each file's body flows from the source to the consumer with backpressure, so
 * the archive's size does not matter to memory.
 */
export function retarUnder(source: AsyncIterable<Buffer>, prefix: string, strip = 0): Readable {
  const p = pack();
  const segments = prefix.split('/').filter(Boolean);
  (async () => {
    for (let i = 1; i <= segments.length; i++)
      p.entry({ name: `${segments.slice(0, i).join('/')}/`, type: 'directory', mode: 0o755 });
    for await (const e of tarEntries(source)) {
      const rest = e.name.split('/').slice(strip).join('/');
      if (!rest) {
        e.body.resume();
        continue;
      }
      const name = `${segments.join('/')}/${rest}`;
      const header = (e.body as unknown as { header?: { mode?: number; linkname?: string } }).header ?? {};
      if (e.type === 'file') {
        await copyEntry(p, { name, mode: header.mode ?? 0o644, size: e.size }, e.body);
      } else if (e.type === 'directory') {
        p.entry({ name: `${name}/`, type: 'directory', mode: header.mode ?? 0o755 });
      } else if (e.type === 'symlink' && header.linkname) {
        p.entry({ name, type: 'symlink', linkname: header.linkname, mode: header.mode ?? 0o777 });
      }
    }
    p.finalize();
  })().catch((err: unknown) => p.destroy(asError(err)));
  // A Node byte stream (not tar-stream's own kind) for consumers such as Docker's put-archive request.
  return Readable.from(p, { objectMode: false });
}

/** Writes one file's body into the pack, waiting whenever the pack's consumer is behind. */
function copyEntry(
  p: Pack,
  header: { name: string; mode: number; size: number },
  body: AsyncIterable<Buffer>,
): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    const sink = p.entry(header, (err) => (err ? reject(err) : resolve()));
    (async () => {
      for await (const chunk of body) {
        if (!sink.write(chunk)) await drained(sink);
        if (sink.destroyed) throw new Error('archive consumer went away');
      }
      // tar-stream's sink is a streamx Writable: `end()` takes no callback (the entry's callback says when it is done).
      (sink as unknown as { end(): void }).end();
    })().catch((err: unknown) => {
      sink.destroy(asError(err));
      reject(asError(err));
    });
  });
}

/** Resolves on `drain`, or on `close` (a destroyed pack never drains). */
function drained(sink: NodeJS.EventEmitter): Promise<void> {
  return new Promise<void>((resolve) => {
    const done = () => {
      sink.off('drain', done);
      sink.off('close', done);
      resolve();
    };
    sink.on('drain', done);
    sink.on('close', done);
  });
}
