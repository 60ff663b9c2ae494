import type Docker from 'dockerode';

export type PullPolicy = 'IfNotPresent' | 'Always';

/** Makes `image` available: `IfNotPresent` uses a local image and pulls only a missing one; `Always` pulls. */
export async function ensureImage(docker: Docker, image: string, policy: PullPolicy, signal: AbortSignal): Promise<'local' | 'pulled'> {
  if (policy === 'IfNotPresent') {
    try {
      await docker.getImage(image).inspect();
      return 'local';
    } catch (err) {
      if ((err as { statusCode?: number }).statusCode !== 404) throw err;
    }
  }
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
  return 'pulled';
}
