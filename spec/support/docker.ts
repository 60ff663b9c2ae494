import zlib from 'node:zlib';
import Docker from 'dockerode';
import { LABELS } from '../../src/docker/labels';
import { tarFiles } from '../../src/docker/tar-files';

export const docker = new Docker();

export { familyDeps } from './harness';

/** base64 of a tar.gz holding `files`, as a GoStint client sends `content`. */
export async function contentOf(files: Record<string, string>): Promise<string> {
  const tar = await tarFiles(
    Object.entries(files).map(([name, text]) => ({ name, content: Buffer.from(text), mode: 0o644 })),
  );
  return zlib.gzipSync(tar).toString('base64');
}

/** Containers bosun labelled for a task (running or not). */
export async function containersOfTask(taskId: number): Promise<Docker.ContainerInfo[]> {
  return docker.listContainers({ all: true, filters: { label: [`${LABELS.taskId}=${taskId}`] } });
}
