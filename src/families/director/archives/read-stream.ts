/** Every chunk of a (small) stream, joined: an archive from Docker, one tar entry, a packed tar. */
export async function readStream(stream: AsyncIterable<unknown> | NodeJS.ReadableStream): Promise<Buffer> {
  const parts: Buffer[] = [];
  for await (const c of stream as AsyncIterable<Buffer | string>)
    parts.push(typeof c === 'string' ? Buffer.from(c) : c);
  return Buffer.concat(parts);
}
