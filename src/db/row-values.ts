/** Column values as the drivers hand them back: jsonb as an object or as text, timestamps as a Date or as text. */

export const jsonColumn = <T>(v: unknown): T => (typeof v === 'string' ? JSON.parse(v) : v) as T;

export const dateColumn = (v: unknown): Date | null =>
  v == null ? null : v instanceof Date ? v : new Date(v as string | number);

/** A row as the drivers hand it back, before a repo maps it to its domain type. */
export type Row = Record<string, unknown>;

/**
 * What `knex.raw` resolves to on both back ends (pg and PGlite): the statement's rows. knex types it `any`;
 * repos name it with `db.raw<RawRows>(...)` so that each row is read as `unknown` and mapped once.
 */
export interface RawRows<R = Row> {
  rows: R[];
}

/** A text column: null as ''; a number or boolean (a driver's reading of a cast) as its text. */
export const textColumn = (v: unknown): string =>
  typeof v === 'string'
    ? v
    : typeof v === 'number' || typeof v === 'bigint' || typeof v === 'boolean'
      ? String(v)
      : v == null
        ? ''
        : JSON.stringify(v);
