import { lastTickBy, nextTick, Schedule } from '../../cron/cron-schedule';
import type { JobConfig } from './job-config';

/** A tick seen later than this after it was due counts as missed (the config's misfire policy decides). */
export const MISFIRE_GRACE_MS = 60_000;

export const scheduleOf = (c: JobConfig): Schedule => ({
  runAt: c.runAt,
  timeZone: c.timeZone,
  startDate: c.startDate,
  endDate: c.endDate,
});

/** The first tick a config fires after `after`: none while it is disabled. */
export function firstRun(
  c: Pick<JobConfig, 'runAt' | 'timeZone' | 'startDate' | 'endDate' | 'disabled'>,
  after: Date,
): Date | null {
  return c.disabled
    ? null
    : nextTick({ runAt: c.runAt, timeZone: c.timeZone, startDate: c.startDate, endDate: c.endDate }, after);
}

/**
 * What a due config does at `now`: the tick it fires (the latest one due; an older one is never run
 * after a newer), or none when that tick was missed and the policy is `skip`; and its next run.
 *
 * A tick is missed when it was already late when the node woke to look at the schedule (`wokeAt`),
 * not when the node reaches the config: a node working through thousands of configs due on one tick
 * reaches the last of them long after the tick, and was up all along (it must not drop them).
 */
export function planFiring(
  c: JobConfig,
  now: Date,
  wokeAt: Date = now,
  graceMs = MISFIRE_GRACE_MS,
): { fireAt: Date | null; next: Date | null } {
  const s = scheduleOf(c);
  const due = c.nextRunAt as Date;
  const last = lastTickBy(s, now);
  const latest = last && last.getTime() > due.getTime() ? last : due;
  const onTime = wokeAt.getTime() - latest.getTime() <= graceMs;
  return {
    fireAt: onTime || c.misfire === 'run_once' ? latest : null,
    next: nextTick(s, now),
  };
}

/**
 * `planFiring` at one moment for many configs. Configs with the same schedule and the same next run
 * share one answer: cron-parser takes about a millisecond a config (it parses the expression and steps
 * through dates), and the configs due on one tick are mostly a few common schedules.
 */
export function plannerAt(
  now: Date,
  wokeAt: Date,
  graceMs = MISFIRE_GRACE_MS,
): (c: JobConfig) => { fireAt: Date | null; next: Date | null } {
  const plans = new Map<string, { fireAt: Date | null; next: Date | null }>();
  return (c) => {
    const key = JSON.stringify([c.runAt, c.timeZone, c.startDate, c.endDate, c.nextRunAt, c.misfire]);
    let plan = plans.get(key);
    if (!plan) plans.set(key, (plan = planFiring(c, now, wokeAt, graceMs)));
    return plan;
  };
}
