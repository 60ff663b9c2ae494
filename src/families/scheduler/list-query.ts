import type { Knex } from 'knex';
import { z } from 'zod';
import { invalidParam } from '../../http/ciphertrust/ciphertrust-errors';
import { queryOnce, type InputProblem } from '../../http/validate';

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

/** The scheduler's 400 for a query parameter or body field that fails its schema, naming it. */
export const invalidInput = (p: InputProblem) => invalidParam(p.field || p.part, p.message);

/** One value of a query parameter; a repeated parameter is refused, naming it. */
export const single = queryOnce('must be given once');

const whole = (fallback: number, max: number) =>
  z
    .unknown()
    .optional()
    .transform((raw, check) => {
      if (raw === undefined) return fallback;
      const n = typeof raw === 'string' && /^\d{1,9}$/.test(raw) ? Number(raw) : NaN;
      if (Number.isInteger(n) && n <= max) return n;
      check.addIssue({ code: 'custom', message: `must be a whole number from 0 to ${max}` });
      return z.NEVER;
    });

const date = single.transform((v, check) => {
  if (v === undefined) return null;
  const d = parseRfc3339(v);
  if (d) return d;
  check.addIssue({ code: 'custom', message: 'must be a date in RFC 3339 (2026-01-31T12:00:00Z)' });
  return z.NEVER;
});

const sortBy = (sortable: Record<string, string>) =>
  single.transform((sortText, check) => {
    const sort: ListQuery['sort'] = [];
    for (const s of (sortText ?? '-createdAt').split(',').map((x) => x.trim())) {
      if (!s) continue;
      const name = s.replace(/^[-+]/, '');
      const column = sortable[name];
      if (!column) {
        check.addIssue({
          code: 'custom',
          message: `cannot sort by '${name}'; sortable: ${Object.keys(sortable).join(', ')}`,
        });
        return z.NEVER;
      }
      sort.push({ column, desc: s.startsWith('-') });
    }
    return sort;
  });

/**
 * The paging, sorting and creation-date parameters of a list route, for its query schema (checked in
 * this order); `sortable` maps the seed's names to columns.
 */
export const listQueryShape = (sortable: Record<string, string>) => ({
  sort: sortBy(sortable),
  skip: whole(0, 1_000_000_000),
  limit: whole(10, MAX_LIMIT),
  createdBefore: date,
  createdAfter: date,
});

/** The list query out of a query checked against listQueryShape. */
export const listQueryOf = (q: ListQuery): ListQuery => ({
  skip: q.skip,
  limit: q.limit,
  sort: q.sort,
  createdBefore: q.createdBefore,
  createdAfter: q.createdAfter,
});

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
