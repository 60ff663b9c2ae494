import { pack } from 'tar-stream';

export interface TarFile {
  name: string;
  content: Buffer;
  mode: number;
}

/** An uncompressed tar of a few small files, for Docker's put-archive. */
export async function tarFiles(files: TarFile[]): Promise<Buffer> {
  const p = pack();
  for (const f of files) p.entry({ name: f.name, mode: f.mode, size: f.content.length }, f.content);
  p.finalize();
  const parts: Buffer[] = [];
  for await (const part of p) parts.push(part as Buffer);
  return Buffer.concat(parts);
}
