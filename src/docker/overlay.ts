import type { EngineContainer } from './docker-engine';
import type { Readable } from 'node:stream';

/**
 * A tar archive extracted at `/` in a container before it starts: a small one in memory, or a large
 * one (packages) opened as a stream only when it is put, so every container reads its own copy and
 * nothing holds the whole archive.
 */
export type Overlay = Buffer | (() => Readable | Promise<Readable>);

/** Puts an overlay into a container; a stream the engine did not take to its end is closed. */
export async function putOverlay(container: EngineContainer, overlay: Overlay): Promise<void> {
  if (Buffer.isBuffer(overlay)) {
    await container.putArchive(overlay, { path: '/' });
    return;
  }
  const stream = await overlay();
  try {
    await container.putArchive(stream, { path: '/' });
  } finally {
    stream.destroy();
  }
}
