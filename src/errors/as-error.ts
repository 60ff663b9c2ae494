/**
 * A thrown, rejected or abort value as an Error: an Error as it is (so `instanceof` checks on abort reasons
 * such as TaskCancelledError still hold), anything else wrapped.
 */
export function asError(value: unknown): Error {
  if (value instanceof Error) return value;
  return new Error(typeof value === 'string' ? value : `a non-error value was thrown (${typeof value})`);
}
