import { lastTickBy, nextTick, Schedule } from './cron-schedule';
import type { JobConfig } from './job-config';

/** A tick seen later than this after it was due counts as missed (the config's misfire policy decides). */
export const MISFIRE_GRACE_MS = 60_000;

export const scheduleOf = (c: JobConfig): Schedule => ({ runAt: c.runAt, timeZone: c.timeZone, startDate: c.startDate, endDate: c.endDate });

/** The first tick a config fires after `after`: none while it is disabled. */
export function firstRun(c: Pick<JobConfig, 'runAt' | 'timeZone' | 'startDate' | 'endDate' | 'disabled'>, after: Date): Date | null {
  return c.disabled ? null : nextTick({ runAt: c.runAt, timeZone: c.timeZone, startDate: c.startDate, endDate: c.endDate }, after);
}

/**
 * What a due config does at `now`: the tick it fires (the latest one due; an older one is never run
 * after a newer), or none when that tick was missed and the policy is `skip`; and its next run.
 */
export function planFiring(c: JobConfig, now: Date): { fireAt: Date | null; next: Date | null } {
  const s = scheduleOf(c);
  const due = c.nextRunAt as Date;
  const last = lastTickBy(s, now);
  const latest = last && last.getTime() > due.getTime() ? last : due;
  const onTime = now.getTime() - latest.getTime() <= MISFIRE_GRACE_MS;
  return {
    fireAt: onTime || c.misfire === 'run_once' ? latest : null,
    next: nextTick(s, now),
  };
}
