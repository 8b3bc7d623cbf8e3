import { describe, expect, it } from "vitest";
import { bestTimes, formatMeasure, localSlotOf, type PublishedPost } from "./best-times";

// November 2026 in London is GMT (UTC+0): Mondays are the 2nd, 9th, 16th and 23rd.
const london = (day: number, hour: number) => Date.UTC(2026, 10, day, hour, 15);
const post = (publishedAt: number, impressions: number | null, engagements: number): PublishedPost => ({ publishedAt, impressions, engagements });

/** 4 weeks of a schedule: Tue 09:00 does well, Thu 15:00 fairly, Mon 12:00 has two lucky posts, the rest is flat. */
function history(): PublishedPost[] {
  const posts: PublishedPost[] = [];
  for (const week of [0, 7, 14, 21]) {
    posts.push(post(london(3 + week, 9), 1000, 100)); // Tue 09: 10%
    posts.push(post(london(5 + week, 15), 1000, 50)); // Thu 15: 5%
    posts.push(post(london(6 + week, 11), 1000, 10)); // Fri 11: 1%
    posts.push(post(london(4 + week, 18), 1000, 10)); // Wed 18: 1%
  }
  posts.push(post(london(2, 12), 100, 50), post(london(9, 12), 100, 50)); // Mon 12: 50%, but only 2 posts
  posts.push(post(london(8, 20), 1000, 0), post(london(15, 20), 1000, 0), post(london(22, 20), 1000, 0)); // Sun 20: nothing
  return posts;
}

describe("bestTimes", () => {
  it("suggests the slot with the best engagement rate first, with its sample size, in local time", () => {
    const result = bestTimes(history(), "Europe/London");
    expect(result.measure).toBe("engagement_rate");
    expect(result.sampledPosts).toBe(21);
    expect(result.reason).toBeNull();
    expect(result.suggestions.map((s) => [s.label, s.posts])).toEqual([
      ["Tue 09:00", 4],
      ["Thu 15:00", 4],
      ["Wed 18:00", 4], // ties with Fri 11 on rate and sample, so calendar order decides
    ]);
    expect(result.suggestions[0]!.value).toBeCloseTo(0.1);
    expect(result.suggestions[0]!.lift).toBeCloseTo(0.1 / result.overall!);
    expect(result.suggestions[0]!.lift).toBeGreaterThan(1);
    expect(formatMeasure(result.measure, result.suggestions[0]!.value)).toBe("10.0%");
  });

  it("never suggests a cell with fewer than the minimum posts, however good, nor one with no engagement", () => {
    const result = bestTimes(history(), "Europe/London", { maxSuggestions: 10 });
    const monday = result.grid[0]![12]!;
    expect(monday).toMatchObject({ weekday: 0, hour: 12, posts: 2, engagements: 100, impressions: 200, value: 0.5 });
    expect(result.suggestions.map((s) => s.label)).not.toContain("Mon 12:00");
    expect(result.grid[6]![20]!.posts).toBe(3);
    expect(result.suggestions.map((s) => s.label)).toEqual(["Tue 09:00", "Thu 15:00", "Wed 18:00", "Fri 11:00"]);
  });

  it("builds the full 7 × 24 grid, Monday first, empty cells without a value", () => {
    const { grid } = bestTimes(history(), "Europe/London");
    expect(grid).toHaveLength(7);
    for (const [weekday, row] of grid.entries()) {
      expect(row).toHaveLength(24);
      row.forEach((cell, hour) => expect([cell.weekday, cell.hour]).toEqual([weekday, hour]));
    }
    expect(grid[1]![9]).toMatchObject({ posts: 4, engagements: 400, impressions: 4000, value: 0.1 });
    expect(grid[2]![3]).toMatchObject({ posts: 0, value: null });
    expect(grid.flat().reduce((n, c) => n + c.posts, 0)).toBe(21);
  });

  it("gives no suggestion on too small a history, and says why", () => {
    const few = history().slice(0, 19);
    const result = bestTimes(few, "Europe/London");
    expect(result.suggestions).toEqual([]);
    expect(result.reason).toBe("Not enough history yet: 19 published posts with impressions, and suggestions need at least 20.");
    // The grid is still there for the heatmap.
    expect(result.grid[1]![9]!.posts).toBeGreaterThan(0);
  });

  it("says so when there is history enough but no slot has the minimum posts", () => {
    const spread = Array.from({ length: 24 }, (_, i) => post(london(2 + (i % 7), i), 100, 5));
    const result = bestTimes(spread, "Europe/London");
    expect(result.sampledPosts).toBe(24);
    expect(result.suggestions).toEqual([]);
    expect(result.reason).toMatch(/^No hour of the week has at least 3 posts/);
  });

  it("falls back to mean engagements per post for a platform without impressions, and says so", () => {
    const posts = history().map((p) => ({ ...p, impressions: null }));
    // Thu 15 now wins on raw engagements: 4 posts of 80 against Tue 09's 4 of 60.
    for (const p of posts) {
      if (p.engagements === 100) p.engagements = 60;
      else if (p.engagements === 50 && p.publishedAt !== london(2, 12) && p.publishedAt !== london(9, 12)) p.engagements = 80;
    }
    const result = bestTimes(posts, "Europe/London");
    expect(result.measure).toBe("engagements_per_post");
    expect(result.grid[1]![9]).toMatchObject({ posts: 4, engagements: 240, impressions: 0, value: 60 });
    expect(result.suggestions.slice(0, 2).map((s) => [s.label, s.value])).toEqual([
      ["Thu 15:00", 80],
      ["Tue 09:00", 60],
    ]);
    expect(formatMeasure(result.measure, 60)).toBe("60.0 per post");
    expect(result.reason).toBeNull();
  });

  it("measures rate on the posts with impressions and leaves the rest out rather than counting them as zero", () => {
    const posts = [...history(), post(london(10, 9), null, 0), post(london(17, 9), null, 0)];
    const result = bestTimes(posts, "Europe/London");
    expect(result.measure).toBe("engagement_rate");
    expect(result.skippedPosts).toBe(2);
    expect(result.grid[1]![9]).toMatchObject({ posts: 4, value: 0.1 });
  });

  it("respects the options", () => {
    const result = bestTimes(history(), "Europe/London", { minPostsPerSlot: 2, maxSuggestions: 1 });
    expect(result.suggestions.map((s) => [s.label, s.posts])).toEqual([["Mon 12:00", 2]]);
    expect(bestTimes(history(), "Europe/London", { minTotalPosts: 22 }).suggestions).toEqual([]);
  });

  it("no posts: empty grid, no overall, a reason", () => {
    const result = bestTimes([], "UTC");
    expect(result.overall).toBeNull();
    expect(result.grid.flat().every((c) => c.posts === 0 && c.value === null)).toBe(true);
    expect(result.reason).toMatch(/Not enough history yet: 0 published posts/);
  });
});

describe("local time across daylight saving", () => {
  it("New York: 09:00 on the wall clock is the same hour before and after the clocks go back", () => {
    const slot = localSlotOf("America/New_York");
    // Sat 31 Oct 2026 09:00 EDT (UTC−4) and Mon 2 Nov 2026 09:00 EST (UTC−5).
    expect(slot(Date.UTC(2026, 9, 31, 13))).toEqual({ weekday: 5, hour: 9 });
    expect(slot(Date.UTC(2026, 10, 2, 14))).toEqual({ weekday: 0, hour: 9 });
    // The repeated hour on Sun 1 Nov: 01:30 EDT then 01:30 EST, both Sunday 01.
    expect(slot(Date.UTC(2026, 10, 1, 5, 30))).toEqual({ weekday: 6, hour: 1 });
    expect(slot(Date.UTC(2026, 10, 1, 6, 30))).toEqual({ weekday: 6, hour: 1 });
    // Late Monday evening in New York is already Tuesday in UTC.
    expect(slot(Date.UTC(2026, 10, 3, 2))).toEqual({ weekday: 0, hour: 21 });
  });

  it("London: the spring-forward skips 01:00, and summer posts count an hour later than their UTC hour", () => {
    const slot = localSlotOf("Europe/London");
    expect(slot(Date.UTC(2026, 2, 29, 0, 30))).toEqual({ weekday: 6, hour: 0 });
    expect(slot(Date.UTC(2026, 2, 29, 1, 30))).toEqual({ weekday: 6, hour: 2 });
    // A Tuesday-09:00 habit kept across the change: 09:00 UTC in winter, 08:00 UTC in summer.
    const habit = [
      ...[3, 10, 17].map((d) => post(Date.UTC(2026, 2, d, 9), 1000, 100)),
      ...[31].map((d) => post(Date.UTC(2026, 2, d, 8), 1000, 100)),
      ...[7, 14].map((d) => post(Date.UTC(2026, 3, d, 8), 1000, 100)),
      ...Array.from({ length: 20 }, (_, i) => post(Date.UTC(2026, 3, 1 + i, 16), 1000, 5)),
    ];
    const result = bestTimes(habit, "Europe/London");
    expect(result.grid[1]![9]!.posts).toBe(6);
    expect(result.grid[1]![8]!.posts).toBe(0);
    expect(result.suggestions[0]).toMatchObject({ label: "Tue 09:00", posts: 6 });
  });

  it("refuses a zone the runtime does not know", () => {
    expect(() => bestTimes(history(), "Mars/Olympus_Mons")).toThrow(RangeError);
  });
});
