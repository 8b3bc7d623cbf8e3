import { describe, expect, it } from "vitest";
import { backoffAt, DAY_MS, firstPullAt, HOUR_MS, METRICS_HORIZON_MS, nextPullAt, pullInterval, WEEK_MS } from "./schedule";

const T = Date.UTC(2026, 10, 1, 12);

describe("the decaying metrics schedule", () => {
  it("pulls hourly in the first day, daily until a week, weekly until two months, then never", () => {
    expect(pullInterval(0)).toBe(HOUR_MS);
    expect(pullInterval(DAY_MS - 1)).toBe(HOUR_MS);
    expect(pullInterval(DAY_MS)).toBe(DAY_MS);
    expect(pullInterval(WEEK_MS - 1)).toBe(DAY_MS);
    expect(pullInterval(WEEK_MS)).toBe(WEEK_MS);
    expect(pullInterval(METRICS_HORIZON_MS - 1)).toBe(WEEK_MS);
    expect(pullInterval(METRICS_HORIZON_MS)).toBeNull();
  });

  it("sets the next pull from the post's age at each boundary", () => {
    expect(firstPullAt(T)).toBe(T + HOUR_MS);
    expect(nextPullAt(T, T + HOUR_MS)).toBe(T + 2 * HOUR_MS);
    expect(nextPullAt(T, T + DAY_MS - 1)).toBe(T + DAY_MS - 1 + HOUR_MS);
    expect(nextPullAt(T, T + DAY_MS)).toBe(T + 2 * DAY_MS);
    expect(nextPullAt(T, T + WEEK_MS - 1)).toBe(T + WEEK_MS - 1 + DAY_MS);
    expect(nextPullAt(T, T + WEEK_MS)).toBe(T + 2 * WEEK_MS);
    // The weekly phase ends on the 60-day mark itself, not a week past it; after it, nothing.
    expect(nextPullAt(T, T + 56 * DAY_MS)).toBe(T + METRICS_HORIZON_MS);
    expect(nextPullAt(T, T + METRICS_HORIZON_MS - 1)).toBe(T + METRICS_HORIZON_MS);
    expect(nextPullAt(T, T + METRICS_HORIZON_MS)).toBeNull();
    expect(nextPullAt(T, T + 90 * DAY_MS)).toBeNull();
    // A clock a little behind the publish time counts as age 0.
    expect(nextPullAt(T, T - 5)).toBe(T - 5 + HOUR_MS);
  });

  it("follows the whole life of a post pulled on time: 24 hourly, 6 daily, then weekly to day 60", () => {
    const pulls: number[] = [];
    for (let at: number | null = firstPullAt(T); at !== null; at = nextPullAt(T, at)) pulls.push(at - T);
    expect(pulls.filter((age) => age <= DAY_MS)).toHaveLength(24);
    expect(pulls.filter((age) => age > DAY_MS && age <= WEEK_MS)).toHaveLength(6);
    expect(pulls.filter((age) => age > WEEK_MS).map((age) => age / DAY_MS)).toEqual([14, 21, 28, 35, 42, 49, 56, 60]);
  });

  it("backs off by half the time since the last good reading, between 15 minutes and a day, and not past the end", () => {
    expect(backoffAt(T, null, T + HOUR_MS)).toBe(T + HOUR_MS + 30 * 60_000);
    expect(backoffAt(T, T + HOUR_MS, T + HOUR_MS + 60_000)).toBe(T + HOUR_MS + 60_000 + 15 * 60_000);
    expect(backoffAt(T, T, T + 10 * DAY_MS)).toBe(T + 11 * DAY_MS);
    // Each failure makes the reading older: the wait grows.
    const first = backoffAt(T, T + HOUR_MS, T + 2 * HOUR_MS)!;
    const second = backoffAt(T, T + HOUR_MS, first)!;
    expect(second - first).toBeGreaterThan(first - T - 2 * HOUR_MS);
    expect(backoffAt(T, T + 59 * DAY_MS, T + METRICS_HORIZON_MS)).toBeNull();
  });
});
