/**
 * Best time to post: a weekday × hour grid of how well one account's own published posts did, in the
 * workspace's time zone, and the few slots worth suggesting from it.
 *
 * Pure: the caller loads the account's publications with their latest metrics and renders the result
 * (the heatmap in lib/charts/heatmap.tsx takes `grid` as it is).
 */

/** One published post of the account, with its latest metrics. */
export interface PublishedPost {
  /** When it went out (UTC ms). */
  publishedAt: number;
  /** Impressions or views; null when the platform does not report them (or they were not pulled yet). */
  impressions: number | null;
  /** Likes + comments + shares + clicks, whatever the platform gives. */
  engagements: number;
}

/**
 * What the grid measures. Engagement rate (engagements / impressions) is fair between slots that reach
 * different audiences; for platforms without impressions the only honest figure is engagements per post.
 */
export type BestTimeMeasure = "engagement_rate" | "engagements_per_post";

export interface SlotCell {
  /** 0 = Monday … 6 = Sunday (local). */
  weekday: number;
  /** 0–23 (local). */
  hour: number;
  /** Posts counted in this cell: the sample size behind `value`. */
  posts: number;
  engagements: number;
  /** Impressions summed over the counted posts (0 when measuring per post). */
  impressions: number;
  /** The measure for this cell; null when no post fell in it. */
  value: number | null;
}

export interface SuggestedSlot {
  weekday: number;
  hour: number;
  /** "Tue 09:00". */
  label: string;
  value: number;
  /** Sample size. */
  posts: number;
  /** value / the account's overall value (1.4 = 40% better than usual); null when the overall is 0. */
  lift: number | null;
}

export interface BestTimes {
  timeZone: string;
  measure: BestTimeMeasure;
  /** 7 rows (Monday first) × 24 hours. */
  grid: SlotCell[][];
  /** Posts the measure could use (in rate mode, those with known impressions). */
  sampledPosts: number;
  /** Posts left out because the measure could not use them (no impressions in rate mode, bad dates). */
  skippedPosts: number;
  /** The account's overall value across all sampled posts; null with no posts. */
  overall: number | null;
  /** Best first; empty when `reason` says why. */
  suggestions: SuggestedSlot[];
  /** Why there are no suggestions, in words the page can show; null when there are some. */
  reason: string | null;
}

export interface BestTimesOptions {
  /** A slot is only suggested with at least this many posts in it. */
  minPostsPerSlot?: number;
  /** No suggestions at all below this many sampled posts: a handful of posts says nothing. */
  minTotalPosts?: number;
  maxSuggestions?: number;
}

export const WEEKDAYS = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"] as const;

export const DEFAULT_BEST_TIMES_OPTIONS: Required<BestTimesOptions> = { minPostsPerSlot: 3, minTotalPosts: 20, maxSuggestions: 3 };

/** "Tue 09:00". */
export function slotLabel(weekday: number, hour: number): string {
  return `${WEEKDAYS[weekday]} ${String(hour).padStart(2, "0")}:00`;
}

/** How a value of `measure` reads on the page: "3.2%" or "4.5 per post". */
export function formatMeasure(measure: BestTimeMeasure, value: number): string {
  return measure === "engagement_rate" ? `${(value * 100).toFixed(1)}%` : `${value.toFixed(1)} per post`;
}

export function measureName(measure: BestTimeMeasure): string {
  return measure === "engagement_rate" ? "engagement rate (engagements ÷ impressions)" : "mean engagements per post (this platform reports no impressions)";
}

/**
 * A function from an instant to its local weekday (0 = Monday) and hour in `timeZone`. Intl reads the
 * zone's offset at that very instant, so posts either side of a daylight-saving change land on the
 * hour the audience saw on their clocks. Throws a RangeError for a zone the runtime does not know.
 *
 * Intl is slow (a formatToParts per post made a year of one account's posts take a second), so the
 * offset is read once per UTC day and reused for every post of that day, unless the offset differs
 * between the day's first and last millisecond (a change of clocks): those days read each post.
 */
export function localSlotOf(timeZone: string): (instant: number) => { weekday: number; hour: number } {
  const format = new Intl.DateTimeFormat("en-US", { timeZone, year: "numeric", month: "numeric", day: "numeric", hour: "numeric", minute: "numeric", hourCycle: "h23" });
  /** Local wall-clock time minus UTC, in ms, at `instant` (whole minutes). */
  const offsetAt = (instant: number): number => {
    const parts: Record<string, number> = {};
    for (const part of format.formatToParts(new Date(instant))) if (part.type !== "literal") parts[part.type] = Number(part.value);
    const wall = Date.UTC(parts.year!, parts.month! - 1, parts.day!, parts.hour! % 24, parts.minute!);
    if (!Number.isFinite(wall)) throw new RangeError(`Cannot read the local time in ${timeZone}`);
    return wall - Math.floor(instant / 60_000) * 60_000;
  };
  const DAY = 86_400_000;
  const dayOffsets = new Map<number, number | null>();
  return (instant) => {
    const day = Math.floor(instant / DAY);
    let offset = dayOffsets.get(day);
    if (offset === undefined) {
      const first = offsetAt(day * DAY);
      offset = first === offsetAt(day * DAY + DAY - 1) ? first : null;
      dayOffsets.set(day, offset);
    }
    const local = new Date(instant + (offset ?? offsetAt(instant)));
    // getUTCDay: 0 = Sunday; the grid starts on Monday.
    return { weekday: (local.getUTCDay() + 6) % 7, hour: local.getUTCHours() };
  };
}

export function bestTimes(posts: readonly PublishedPost[], timeZone: string, options: BestTimesOptions = {}): BestTimes {
  const { minPostsPerSlot, minTotalPosts, maxSuggestions } = { ...DEFAULT_BEST_TIMES_OPTIONS, ...options };
  const slotOf = localSlotOf(timeZone);
  const valid = posts.filter((p) => Number.isFinite(p.publishedAt) && Number.isFinite(p.engagements));
  const withImpressions = valid.filter((p) => p.impressions !== null && Number.isFinite(p.impressions) && p.impressions >= 0);
  // Rate when most posts have impressions: a platform that reports them does so for every post once
  // metrics are pulled, so the few without are posts too fresh to have figures and are left out
  // rather than dragging their cells down.
  const measure: BestTimeMeasure = valid.length > 0 && withImpressions.length * 2 >= valid.length ? "engagement_rate" : "engagements_per_post";
  const sample = measure === "engagement_rate" ? withImpressions : valid;

  const grid: SlotCell[][] = WEEKDAYS.map((_, weekday) => Array.from({ length: 24 }, (_, hour) => ({ weekday, hour, posts: 0, engagements: 0, impressions: 0, value: null })));
  let totalEngagements = 0;
  let totalImpressions = 0;
  for (const post of sample) {
    const { weekday, hour } = slotOf(post.publishedAt);
    const cell = grid[weekday]![hour]!;
    cell.posts += 1;
    cell.engagements += post.engagements;
    totalEngagements += post.engagements;
    if (measure === "engagement_rate") {
      cell.impressions += post.impressions!;
      totalImpressions += post.impressions!;
    }
  }
  const valueOf = (engagements: number, impressions: number, count: number) =>
    // Engagements without a single impression is a platform glitch, not an infinitely good slot.
    measure === "engagement_rate" ? (impressions > 0 ? engagements / impressions : 0) : engagements / count;
  for (const cell of grid.flat()) if (cell.posts > 0) cell.value = valueOf(cell.engagements, cell.impressions, cell.posts);
  const overall = sample.length > 0 ? valueOf(totalEngagements, totalImpressions, sample.length) : null;

  const result = { timeZone, measure, grid, sampledPosts: sample.length, skippedPosts: posts.length - sample.length, overall };
  if (sample.length < minTotalPosts) {
    const counted = measure === "engagement_rate" ? "published posts with impressions" : "published posts";
    return { ...result, suggestions: [], reason: `Not enough history yet: ${sample.length} ${counted}, and suggestions need at least ${minTotalPosts}.` };
  }
  const suggestions = grid
    .flat()
    .filter((cell) => cell.posts >= minPostsPerSlot && cell.value !== null && cell.value > 0)
    // Best value first; on a tie the slot with more evidence; then the calendar order, so the result is stable.
    .sort((a, b) => b.value! - a.value! || b.posts - a.posts || a.weekday - b.weekday || a.hour - b.hour)
    .slice(0, maxSuggestions)
    .map((cell) => ({ weekday: cell.weekday, hour: cell.hour, label: slotLabel(cell.weekday, cell.hour), value: cell.value!, posts: cell.posts, lift: overall ? cell.value! / overall : null }));
  if (suggestions.length === 0) {
    return { ...result, suggestions, reason: `No hour of the week has at least ${minPostsPerSlot} posts with any engagement yet; post at the same times a few more weeks to compare them.` };
  }
  return { ...result, suggestions, reason: null };
}
