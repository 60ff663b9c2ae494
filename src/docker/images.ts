import type Docker from 'dockerode';

/** Pulls `image` from its registry. */
export async function pullImage(docker: Docker, image: string, signal: AbortSignal): Promise<void> {
  try {
    const stream = (await docker.pull(image, { abortSignal: signal })) as NodeJS.ReadableStream;
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
