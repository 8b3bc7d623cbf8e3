/**
 * Trends: items clustered into topics by the keywords and names they share, each topic scored by
 * velocity (mentions per hour in the last six hours against its own rate before), source diversity
 * and recency. Pure functions over items, so the page, the API and tests share them.
 */
const HOUR = 3_600_000;
const RECENT_HOURS = 6;
export const WINDOW_HOURS = 48;
const MIN_MENTIONS = 3;

const STOPWORDS = new Set(
  "a an and are as at be been but by can could did do does for from had has have he her his how i if in into is it its just more most new not now of on or our out over said says she so than that the their them then there these they this those to up us was we were what when where which who why will with would you your after about against all also any back before being both could down during each first get got here him just like make many may me might much my no off once only other own same should some still such take through too under until very way well while yet year years week today".split(
    " ",
  ),
);

export type TrendItem = { id: string; title: string; sourceId: string; at: number; url: string };

/** Key terms of a title: capitalised names (two to four words) and the remaining content words. */
export function keyTerms(title: string): string[] {
  const names = (title.match(/\b\p{Lu}[\p{L}\p{N}'’-]+(?:\s+\p{Lu}[\p{L}\p{N}'’-]+){1,3}/gu) ?? []).map((n) => n.toLowerCase());
  const inNames = new Set(names.flatMap((n) => n.split(/\s+/)));
  const words = (title.toLowerCase().match(/[\p{L}\p{N}][\p{L}\p{N}'’-]*/gu) ?? []).filter((w) => w.length >= 3 && !STOPWORDS.has(w) && !/^\d+$/.test(w) && !inNames.has(w));
  return [...new Set([...names, ...words])];
}

export type Topic = {
  term: string;
  mentions: number;
  sources: number;
  velocity: number;
  score: number;
  latest: number;
  items: TrendItem[];
  /** Mentions per hour over the last 24 hours, oldest first. */
  hourly: number[];
};

/** Topics of the items seen in the last WINDOW_HOURS, best first. */
export function rankTopics(items: TrendItem[], now: number): Topic[] {
  const recentItems = items.filter((i) => now - i.at <= WINDOW_HOURS * HOUR && i.at <= now);
  const byTerm = new Map<string, TrendItem[]>();
  for (const item of recentItems) for (const term of keyTerms(item.title)) byTerm.set(term, [...(byTerm.get(term) ?? []), item]);
  const topics: Topic[] = [];
  for (const [term, members] of byTerm) {
    if (members.length < MIN_MENTIONS) continue;
    const recent = members.filter((i) => now - i.at <= RECENT_HOURS * HOUR).length;
    const before = members.length - recent;
    // Rates per hour; the +1 keeps a brand-new topic from dividing by zero while still rewarding it.
    const velocity = recent / RECENT_HOURS / ((before + 1) / (WINDOW_HOURS - RECENT_HOURS));
    const sources = new Set(members.map((i) => i.sourceId)).size;
    const latest = Math.max(...members.map((i) => i.at));
    const recency = Math.exp(-(now - latest) / (12 * HOUR));
    const diversity = sources / members.length;
    const score = Math.log1p(velocity) * (0.5 + diversity) * recency * Math.log1p(members.length);
    const hourly = Array.from({ length: 24 }, (_, h) => members.filter((i) => i.at > now - (24 - h) * HOUR && i.at <= now - (23 - h) * HOUR).length);
    topics.push({ term, mentions: members.length, sources, velocity, score, latest, items: members.sort((a, b) => b.at - a.at), hourly });
  }
  topics.sort((a, b) => b.score - a.score || b.mentions - a.mentions);
  // A topic whose items are mostly another, higher topic's items is the same story under another word.
  const kept: Topic[] = [];
  for (const topic of topics) {
    const ids = new Set(topic.items.map((i) => i.id));
    const duplicate = kept.some((k) => k.items.filter((i) => ids.has(i.id)).length >= 0.6 * Math.min(ids.size, k.items.length));
    if (!duplicate) kept.push(topic);
  }
  return kept;
}

/** Points of an SVG polyline for a sparkline of `counts` in a width × height box. */
export function sparklinePoints(counts: number[], width = 120, height = 24): string {
  const max = Math.max(1, ...counts);
  const step = counts.length > 1 ? width / (counts.length - 1) : 0;
  return counts.map((c, i) => `${(i * step).toFixed(1)},${(height - (c / max) * (height - 2) - 1).toFixed(1)}`).join(" ");
}
