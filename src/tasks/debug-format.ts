/** One line of the Director's debug log: `I, [2024-05-01T12:00:01.000321 #5151] [task:5]  INFO -- DirectorJobRunner: msg`. */

export type DebugLevel = 'DEBUG' | 'INFO' | 'WARN' | 'ERROR';

function timestampWithMicros(now: number): string {
  const date = new Date(Math.floor(now));
  const micros = Math.floor((now % 1000) * 1000)
    .toString()
    .padStart(6, '0');
  return `${date.toISOString().slice(0, 19)}.${micros}`;
}

export function formatDebugLine(taskId: number, level: DebugLevel, component: string, message: string): string {
  const now = performance.timeOrigin + performance.now();
  const body = message.endsWith('\n') ? message.slice(0, -1) : message;
  return `${level[0]}, [${timestampWithMicros(now)} #${process.pid}] [task:${taskId}] ${level.padStart(5)} -- ${component}: ${body}\n`;
}
