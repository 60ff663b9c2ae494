/**
 * Drydock's timestamps are Python's `str(datetime)` of an aware UTC datetime:
 * `2026-01-01 00:00:00.000000+00:00` (microseconds; bosun's clock has milliseconds).
 */
export function drydockTime(d: Date): string {
  const iso = d.toISOString(); // 2026-01-01T00:00:00.000Z
  return `${iso.slice(0, 10)} ${iso.slice(11, 23)}000+00:00`;
}

export const drydockTimeOrNull = (d: Date | null): string | null => (d ? drydockTime(d) : null);
