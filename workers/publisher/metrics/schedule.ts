/**
 * When a published post's engagement is pulled next: often while it is fresh, then less and less.
 * By the post's age at the pull: every hour in its first day, daily until it is a week old, weekly
 * until it is two months (60 days) old; one last pull lands on the 60-day mark, then never again.
 * Pure functions of instants (ms), so the boundaries are tested without a clock.
 */
export const HOUR_MS = 3600_000;
export const DAY_MS = 24 * HOUR_MS;
export const WEEK_MS = 7 * DAY_MS;
/** The end of the schedule: two months after publishing. */
export const METRICS_HORIZON_MS = 60 * DAY_MS;

/** How long until the next pull for a post this old (ms), or null when the schedule is over. */
export function pullInterval(ageMs: number): number | null {
  if (ageMs < DAY_MS) return HOUR_MS;
  if (ageMs < WEEK_MS) return DAY_MS;
  if (ageMs < METRICS_HORIZON_MS) return WEEK_MS;
  return null;
}

/** The next pull after one at `pulledAt` of a post published at `publishedAt`; null: no more pulls. */
export function nextPullAt(publishedAt: number, pulledAt: number): number | null {
  const interval = pullInterval(Math.max(0, pulledAt - publishedAt));
  if (interval === null) return null;
  // The weekly phase would overshoot the end; the last pull is at the end itself.
  return Math.min(pulledAt + interval, publishedAt + METRICS_HORIZON_MS);
}

/** The first pull of a post just published: an hour after it went out. */
export const firstPullAt = (publishedAt: number): number => nextPullAt(publishedAt, publishedAt)!;

const BACKOFF_MIN_MS = 15 * 60_000;
const BACKOFF_MAX_MS = DAY_MS;

/**
 * After a failed pull (the platform unavailable, the account's sign-in refused): try again after half
 * the time since the last good reading (or since publishing), between 15 minutes and a day. No
 * counter is kept: each failure makes the reading older, so each wait is half again as long as the
 * one before, up to a day. Past the schedule's end there is no retry.
 */
export function backoffAt(publishedAt: number, lastReadingAt: number | null, now: number): number | null {
  if (now - publishedAt >= METRICS_HORIZON_MS) return null;
  const stale = Math.max(0, now - Math.max(publishedAt, lastReadingAt ?? publishedAt));
  return now + Math.min(BACKOFF_MAX_MS, Math.max(BACKOFF_MIN_MS, stale / 2));
}
