import type { Knex } from 'knex';
import { invalidParam } from '../../http/ciphertrust/ciphertrust-errors';

/** The seed's paging and sorting: `skip`, `limit`, and `sort` as a comma list with `-` for descending. */
export interface ListQuery {
  skip: number;
  limit: number;
  sort: Array<{ column: string; desc: boolean }>;
  createdBefore: Date | null;
  createdAfter: Date | null;
}

const MAX_LIMIT = 1000;
const RFC3339 = /^\d{4}-\d{2}-\d{2}[Tt ]\d{2}:\d{2}:\d{2}(\.\d+)?([Zz]|[+-]\d{2}:\d{2})$/;

/** A date in RFC 3339, or null when `text` is not one. */
export function parseRfc3339(text: string): Date | null {
  if (!RFC3339.test(text)) return null;
  const d = new Date(text);
  return Number.isNaN(d.getTime()) ? null : d;
}

function whole(query: Record<string, unknown>, name: string, fallback: number, max: number): number {
  const raw = query[name];
  if (raw === undefined) return fallback;
  const n = typeof raw === 'string' && /^\d{1,9}$/.test(raw) ? Number(raw) : NaN;
  if (!Number.isInteger(n) || n > max) throw invalidParam(name, `must be a whole number from 0 to ${max}`);
  return n;
}

/** One value of a query parameter; a repeated parameter is a 400 naming it. */
export function single(query: Record<string, unknown>, name: string): string | undefined {
  const v = query[name];
  if (v === undefined) return undefined;
  if (typeof v !== 'string') throw invalidParam(name, 'must be given once');
  return v;
}

function date(query: Record<string, unknown>, name: string): Date | null {
  const v = single(query, name);
  if (v === undefined) return null;
  const d = parseRfc3339(v);
  if (!d) throw invalidParam(name, 'must be a date in RFC 3339 (2026-01-31T12:00:00Z)');
  return d;
}

/** Parses the paging, sorting and creation-date parameters; `sortable` maps the seed's names to columns. */
export function parseListQuery(query: Record<string, unknown>, sortable: Record<string, string>): ListQuery {
  const sortText = single(query, 'sort');
  const sort = (sortText ?? '-createdAt')
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean)
    .map((s) => {
      const desc = s.startsWith('-');
      const name = s.replace(/^[-+]/, '');
      const column = sortable[name];
      if (!column)
        throw invalidParam('sort', `cannot sort by '${name}'; sortable: ${Object.keys(sortable).join(', ')}`);
      return { column, desc };
    });
  return {
    skip: whole(query, 'skip', 0, 1_000_000_000),
    limit: whole(query, 'limit', 10, MAX_LIMIT),
    sort,
    createdBefore: date(query, 'createdBefore'),
    createdAfter: date(query, 'createdAfter'),
  };
}

/** Applies a list query's creation bounds. */
export function whereCreated<T extends Knex.QueryBuilder>(qb: T, q: ListQuery, createdColumn: string): T {
  if (q.createdBefore) qb.where(createdColumn, '<=', q.createdBefore);
  if (q.createdAfter) qb.where(createdColumn, '>=', q.createdAfter);
  return qb;
}

/** Applies a list query's order (with `idColumn` breaking ties) and page. */
export function orderAndPage<T extends Knex.QueryBuilder>(qb: T, q: ListQuery, idColumn: string): T {
  for (const s of q.sort) qb.orderByRaw(`${s.column} ${s.desc ? 'desc' : 'asc'} nulls last`);
  qb.orderBy(idColumn, 'asc').offset(q.skip).limit(q.limit);
  return qb;
}
