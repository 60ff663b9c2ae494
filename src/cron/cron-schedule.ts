import { CronExpressionParser } from 'cron-parser';

/** The macros CipherTrust's users write, as cron-parser knows them (`@annually` and `@midnight` are the usual aliases). */
const MACROS: Record<string, string> = {
  '@yearly': '@yearly',
  '@annually': '@yearly',
  '@monthly': '@monthly',
  '@weekly': '@weekly',
  '@daily': '@daily',
  '@midnight': '@daily',
  '@hourly': '@hourly',
};

const MONTHS = ['JAN', 'FEB', 'MAR', 'APR', 'MAY', 'JUN', 'JUL', 'AUG', 'SEP', 'OCT', 'NOV', 'DEC'];
const DAYS = ['SUN', 'MON', 'TUE', 'WED', 'THU', 'FRI', 'SAT'];
const FIELD = /^[0-9*/,\-?]+$/;

export class CronError extends Error {}

/**
 * Checks `run_at` against the grammar CipherTrust takes (5 fields of digits and `* / , -`, `?` in the
 * day fields, month and day names in any case, the macros) and returns what cron-parser reads. bosun
 * also takes a 6th, leading seconds field, so that a schedule can tick more often than once a minute.
 * cron-parser would accept more (`L`, `#`, `H`, four fields); those are refused here.
 */
export function normaliseCron(runAt: string): string {
  const text = runAt.trim();
  if (text.startsWith('@')) {
    const macro = MACROS[text.toLowerCase()];
    if (!macro) throw new CronError(`unknown macro ${text}; expected one of ${Object.keys(MACROS).join(', ')}`);
    return macro;
  }
  const fields = text.split(/\s+/);
  if (fields.length !== 5 && fields.length !== 6)
    throw new CronError(`expected 5 fields (minute hour day-of-month month day-of-week), got ${fields.length}`);
  const offset = fields.length - 5;
  const out = fields.map((raw, i) => {
    const pos = i - offset;
    let f = raw.toUpperCase();
    if (pos === 3) MONTHS.forEach((m, n) => (f = f.replaceAll(m, String(n + 1))));
    if (pos === 4) DAYS.forEach((d, n) => (f = f.replaceAll(d, String(n))));
    if (!FIELD.test(f))
      throw new CronError(
        `field ${i + 1} (${raw}) may hold only digits, * / , -${pos === 3 ? ' and JAN-DEC' : pos === 4 ? ' and SUN-SAT' : ''}`,
      );
    if (f.includes('?') && pos !== 2 && pos !== 4)
      throw new CronError(`? is allowed only in day-of-month and day-of-week, not in field ${i + 1} (${raw})`);
    return f;
  });
  const normalised = out.join(' ');
  try {
    CronExpressionParser.parse(normalised, { tz: 'UTC' });
  } catch (err) {
    throw new CronError((err as Error).message);
  }
  return normalised;
}

/** Whether `zone` is an IANA time zone name this runtime knows. */
export function isTimeZone(zone: string): boolean {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: zone });
    return true;
  } catch {
    return false;
  }
}

export interface Schedule {
  runAt: string;
  timeZone: string | null;
  startDate: Date | null;
  endDate: Date | null;
}

/**
 * The ticks of a schedule after `after` (exclusive), in order, up to `until` (inclusive) or the end
 * date. DST gaps and repeats are cron-parser's: a tick in a skipped hour fires once at the hour after,
 * and a repeated hour's tick fires once.
 */
export function* ticksAfter(s: Schedule, after: Date): Generator<Date> {
  const from = s.startDate && s.startDate.getTime() > after.getTime() ? new Date(s.startDate.getTime() - 1) : after;
  const it = CronExpressionParser.parse(normaliseCron(s.runAt), { currentDate: from, tz: s.timeZone ?? 'UTC' });
  for (;;) {
    let next: Date;
    try {
      next = it.next().toDate();
    } catch {
      return;
    }
    if (s.endDate && next.getTime() > s.endDate.getTime()) return;
    yield next;
  }
}

/** The first tick after `after`, or null when the schedule has ended. */
export function nextTick(s: Schedule, after: Date): Date | null {
  for (const t of ticksAfter(s, after)) return t;
  return null;
}

/** The last tick at or before `at` (and not past the end date), or null when there is none since the start date. */
export function lastTickBy(s: Schedule, at: Date): Date | null {
  const until = s.endDate && s.endDate.getTime() < at.getTime() ? s.endDate : at;
  const it = CronExpressionParser.parse(normaliseCron(s.runAt), {
    currentDate: new Date(until.getTime() + 1),
    tz: s.timeZone ?? 'UTC',
  });
  try {
    const t = it.prev().toDate();
    return s.startDate && t.getTime() < s.startDate.getTime() ? null : t;
  } catch {
    return null;
  }
}
