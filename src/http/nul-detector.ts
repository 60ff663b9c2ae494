/**
 * PostgreSQL refuses the NUL character in text and jsonb, so a NUL anywhere in a request body would
 * fail the statement that stores it (a 500). Bodies are searched once, whole, after parsing: every
 * string and every object key at any depth, rather than field by field.
 *
 * Returns the path of the first value holding a NUL (`run.1`, `env_vars.NAME`, `body` for the root), or null.
 */
export function findNul(value: unknown, path: string[] = []): string | null {
  const here = () => (path.length ? path.join('.') : 'body');
  if (typeof value === 'string') return value.includes('\u0000') ? here() : null;
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) {
      const found = findNul(value[i], [...path, String(i)]);
      if (found) return found;
    }
    return null;
  }
  if (value && typeof value === 'object') {
    for (const [key, v] of Object.entries(value)) {
      if (key.includes('\u0000')) return [...path, key.replaceAll('\u0000', '\\u0000')].join('.');
      const found = findNul(v, [...path, key]);
      if (found) return found;
    }
  }
  return null;
}

export const nulMessage = (path: string) => `${path}: NUL characters (\\u0000) are not allowed`;
