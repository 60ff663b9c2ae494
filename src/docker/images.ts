import type { DockerEngine } from './docker-engine';
import type { RegistryAllowList } from './registry-allow-list';

/** A pull the allow-list refused; the engine was not asked. */
export class PullRefusedError extends Error {}

/** Pulls `image` from its registry, if the allow-list allows that registry (checked before the engine is asked). */
export async function pullImage(
  docker: DockerEngine,
  image: string,
  signal: AbortSignal,
  registries: RegistryAllowList,
): Promise<void> {
  const refusal = registries.refusal(image);
  if (refusal) throw new PullRefusedError(`Image ${image} cannot be pulled: ${refusal}`);
  try {
    const stream = await docker.pull(image, { abortSignal: signal });
    await new Promise<void>((resolve, reject) =>
      docker.modem.followProgress(stream, (err: Error | null, events: Array<{ error?: string }>) => {
        const failed = events?.find((e) => e.error);
        if (err || failed) reject(err ?? new Error(failed!.error));
        else resolve();
      }),
    );
  } catch (err) {
    throw new Error(`Pulling image ${image} failed: ${(err as Error).message.split('\n')[0]}`);
  }
}

/** Whether the engine refused to create a container because it lacks the image. */
export function isMissingImage(err: unknown): boolean {
  const e = err as { statusCode?: number; message?: string };
  return e.statusCode === 404 && /no such image/i.test(e.message ?? '');
}
