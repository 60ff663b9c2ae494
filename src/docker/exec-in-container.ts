import type { EngineContainer } from './docker-engine';
import { demuxFrames } from './demux-frames';

export interface ExecOutcome {
  exitCode: number;
  stdout: string;
  stderr: string;
}

/** Runs a command in a running container and collects its (small) output and exit code. */
export async function execInContainer(container: EngineContainer, cmd: string[]): Promise<ExecOutcome> {
  const exec = await container.exec({ Cmd: cmd, AttachStdout: true, AttachStderr: true });
  const stream = (await exec.start({ hijack: true, stdin: false })) as unknown as AsyncIterable<Buffer>;
  const out: Record<'stdout' | 'stderr', Buffer[]> = { stdout: [], stderr: [] };
  for await (const piece of demuxFrames(stream)) out[piece.stream].push(piece.data);
  const info = await exec.inspect();
  return {
    exitCode: info.ExitCode ?? -1,
    stdout: Buffer.concat(out.stdout).toString('utf8'),
    stderr: Buffer.concat(out.stderr).toString('utf8'),
  };
}
