/** Column values as the drivers hand them back: jsonb as an object or as text, timestamps as a Date or as text. */

export const jsonColumn = <T>(v: unknown): T => (typeof v === 'string' ? JSON.parse(v) : v) as T;

export const dateColumn = (v: unknown): Date | null => (v == null ? null : v instanceof Date ? v : new Date(String(v)));
