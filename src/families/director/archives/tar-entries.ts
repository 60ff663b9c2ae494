import { PassThrough, Readable } from 'node:stream';
import zlib from 'node:zlib';
import { extract } from 'tar-stream';
import { asError } from '../../../errors/as-error';

export interface TarEntry {
  /** Normalised name: no leading `./` or `/`, no trailing `/`. */
  name: string;
  type: string;
  size: number;
  body: Readable;
}

export class ArchiveError extends Error {}

/** A name is safe when it stays inside the archive: no `..` segment, no NUL. */
export function normaliseEntryName(raw: string): string {
  const name = raw
    .replace(/^(\.\/)+/, '')
    .replace(/^\/+/, '')
    .replace(/\/+$/, '');
  if (name.includes('\0') || name.split('/').some((seg) => seg === '..')) {
    throw new ArchiveError(`archive entry '${raw.replace(/\0/g, '\\0')}' leaves the archive`);
  }
  return name;
}

/** Gunzips when the data starts with gzip's magic bytes, otherwise passes it through. */
function maybeGunzip(source: AsyncIterable<Buffer>): Readable {
  const out = new PassThrough();
  (async () => {
    let sink: NodeJS.WritableStream | null = null;
    for await (const chunk of source) {
      if (!sink) {
        if (chunk.length >= 2 && chunk[0] === 0x1f && chunk[1] === 0x8b) {
          const gunzip = zlib.createGunzip();
          gunzip.on('error', (err) => out.destroy(new ArchiveError(`not a valid gzip archive: ${err.message}`)));
          gunzip.pipe(out);
          sink = gunzip;
        } else sink = out;
      }
      if (!sink.write(chunk)) await new Promise((r) => sink!.once('drain', r));
    }
    (sink ?? out).end();
  })().catch((err: unknown) => out.destroy(asError(err)));
  return out;
}

/**
 * The entries of a tar or tar.gz, streamed: each entry's body must be consumed (or resumed) before
 * the next is produced. Entry names that would escape the archive are refused.
 */
export async function* tarEntries(source: AsyncIterable<Buffer>): AsyncGenerator<TarEntry> {
  const ex = extract();
  const input = maybeGunzip(source);
  input.on('error', (err) => ex.destroy(err));
  input.pipe(ex);
  try {
    for await (const entry of ex) {
      const h = entry.header;
      yield {
        name: normaliseEntryName(h.name),
        type: h.type ?? 'file',
        size: h.size ?? 0,
        body: entry as unknown as Readable,
      };
      entry.resume();
    }
  } catch (err) {
    if (err instanceof ArchiveError) throw err;
    throw new ArchiveError(`not a valid tar archive: ${(err as Error).message}`);
  } finally {
    input.destroy();
  }
}

/** Every regular file of a (small) archive, read into memory. */
export async function readTarFiles(
  source: AsyncIterable<Buffer> | Buffer,
  maxBytes = 256 * 1024 * 1024,
): Promise<Map<string, Buffer>> {
  const files = new Map<string, Buffer>();
  let total = 0;
  const input = Buffer.isBuffer(source) ? Readable.from([source]) : source;
  for await (const e of tarEntries(input as AsyncIterable<Buffer>)) {
    if (e.type !== 'file') continue;
    const parts: Buffer[] = [];
    for await (const p of e.body) {
      total += (p as Buffer).length;
      if (total > maxBytes) throw new ArchiveError(`archive holds more than ${maxBytes} bytes`);
      parts.push(p as Buffer);
    }
    files.set(e.name, Buffer.concat(parts));
  }
  return files;
}
