/**
 * Splits Docker's multiplexed attach stream (8-byte headers: stream type, 3 zero bytes, big-endian
 * length) into stdout and stderr pieces. Written as an async generator over the socket, so a slow
 * consumer slows the container's output down instead of piling it up in memory.
 */
export type StreamPiece = { stream: 'stdout' | 'stderr'; data: Buffer };

export async function* demuxFrames(source: AsyncIterable<Buffer>): AsyncGenerator<StreamPiece> {
  let pending: Buffer = Buffer.alloc(0);
  let remaining = 0;
  let current: 'stdout' | 'stderr' = 'stdout';
  for await (const chunk of source) {
    let buf = pending.length ? Buffer.concat([pending, chunk]) : chunk;
    pending = Buffer.alloc(0);
    while (buf.length) {
      if (remaining === 0) {
        if (buf.length < 8) {
          pending = buf;
          break;
        }
        current = buf[0] === 2 ? 'stderr' : 'stdout';
        remaining = buf.readUInt32BE(4);
        buf = buf.subarray(8);
        continue;
      }
      const take = Math.min(remaining, buf.length);
      yield { stream: current, data: buf.subarray(0, take) };
      remaining -= take;
      buf = buf.subarray(take);
    }
  }
}

/** A TTY container's stream is not multiplexed: all of it is stdout. */
export async function* rawFrames(source: AsyncIterable<Buffer>): AsyncGenerator<StreamPiece> {
  for await (const chunk of source) yield { stream: 'stdout', data: chunk };
}
