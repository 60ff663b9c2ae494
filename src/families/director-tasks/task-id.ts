/** A task id from a path: a positive integer that fits the column, else null (which answers 404). */
export function parseTaskId(raw: string | undefined): number | null {
  if (!raw || !/^\d{1,10}$/.test(raw)) return null;
  const id = Number(raw);
  return id >= 1 && id <= 2147483647 ? id : null;
}
