/** Go-style durations as CTS writes them (`5s`, `1m30s`, `250ms`, `0s`). */
const PART = /(\d+(?:\.\d+)?)(ms|s|m|h)/g;
const UNIT_MS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 };

/** Milliseconds of a duration string, or null when it is not one. */
export function parseDuration(text: string): number | null {
  if (text === '0') return 0;
  if (!/^(\d+(?:\.\d+)?(ms|s|m|h))+$/.test(text)) return null;
  let ms = 0;
  for (const m of text.matchAll(PART)) ms += Number(m[1]) * UNIT_MS[m[2]];
  return Math.round(ms);
}

/** How CTS answers a duration: Go's `time.Duration.String()` for whole seconds and milliseconds. */
export function formatDuration(ms: number): string {
  if (ms === 0) return '0s';
  if (ms < 1000) return `${ms}ms`;
  const h = Math.floor(ms / 3_600_000);
  const m = Math.floor((ms % 3_600_000) / 60_000);
  const s = (ms % 60_000) / 1000;
  return `${h ? `${h}h` : ''}${h || m ? `${m}m` : ''}${s}s`;
}
