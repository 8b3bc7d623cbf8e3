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

/**
 * Whether a title capitalises (nearly) every word, as English headlines often do: then capitals say
 * nothing about which words are names.
 */
function titleCase(title: string): boolean {
  const words = (title.match(/[\p{L}][\p{L}\p{N}'’-]*/gu) ?? []).filter((w) => w.length > 3);
  return words.length >= 3 && words.filter((w) => /^\p{Lu}/u.test(w)).length / words.length >= 0.75;
}

/** Key terms of a title: capitalised names (two to four words) and the remaining content words. */
export function keyTerms(title: string): string[] {
  const capitalised = titleCase(title) ? [] : (title.match(/\b\p{Lu}[\p{L}\p{N}'’-]+(?:\s+\p{Lu}[\p{L}\p{N}'’-]+){1,3}/gu) ?? []);
  const names = capitalised.map((n) => n.toLowerCase());
  const inNames = new Set(names.flatMap((n) => n.split(/\s+/)));
  const words = (title.toLowerCase().match(/[\p{L}\p{N}][\p{L}\p{N}'’-]*/gu) ?? []).filter((w) => w.length >= 3 && !STOPWORDS.has(w) && !/^\d+$/.test(w) && !inNames.has(w));
  return [...new Set([...names, ...words])];
}

export type Topic = {
  /** The topic's name: its most-mentioned key term. */
  term: string;
  /** The other key terms folded into this topic, most-mentioned first. */
  related: string[];
  mentions: number;
  sources: number;
  velocity: number;
  score: number;
  latest: number;
  /** Newest first. */
  items: TrendItem[];
  /** Mentions per hour over the last 24 hours, oldest first. */
  hourly: number[];
};

/**
 * Topics of the items seen in the last WINDOW_HOURS, best first.
 *
 * Clustering: every key term shared by at least MIN_MENTIONS items is a candidate. Candidates are
 * taken broadest first; one whose items are mostly (≥ 60 % of the smaller set) a topic's items
 * joins that topic (its items added, its term kept as related), otherwise it starts a topic. So
 * "drought", "warning" and "extended" over the same headlines make one topic named "drought".
 *
 * Scoring each topic over all its items:
 *
 *   score = ln(1 + velocity) · (0.5 + diversity) · recency · ln(1 + mentions)
 *
 * - velocity: mentions per hour in the last RECENT_HOURS over the topic's own rate in the rest of
 *   the window (+1 mention, so a topic new today counts as rising rather than dividing by zero);
 * - diversity: distinct sources / mentions, so one feed repeating itself counts for less;
 * - recency: exp(−hours since the latest mention / 12), halving in about 8 hours;
 * - ln(1 + mentions): more evidence helps, with diminishing returns.
 *
 * `now` is a parameter so the function stays pure.
 */
export function rankTopics(items: TrendItem[], now: number): Topic[] {
  const inWindow = items.filter((i) => now - i.at <= WINDOW_HOURS * HOUR && i.at <= now);
  const byTerm = new Map<string, TrendItem[]>();
  for (const item of inWindow) for (const term of keyTerms(item.title)) byTerm.set(term, [...(byTerm.get(term) ?? []), item]);
  const candidates = [...byTerm].filter(([, members]) => members.length >= MIN_MENTIONS).sort((a, b) => b[1].length - a[1].length);
  const clusters: { terms: string[]; items: Map<string, TrendItem> }[] = [];
  for (const [term, members] of candidates) {
    const home = clusters.find((c) => members.filter((i) => c.items.has(i.id)).length >= 0.6 * Math.min(members.length, c.items.size));
    if (home) {
      home.terms.push(term);
      for (const item of members) home.items.set(item.id, item);
    } else clusters.push({ terms: [term], items: new Map(members.map((i) => [i.id, i])) });
  }
  const topics = clusters.map(({ terms, items: byId }) => score(terms, [...byId.values()], now));
  return topics.sort((a, b) => b.score - a.score || b.mentions - a.mentions);
}

function score([term, ...related]: string[], members: TrendItem[], now: number): Topic {
  const recent = members.filter((i) => now - i.at <= RECENT_HOURS * HOUR).length;
  const before = members.length - recent;
  const velocity = recent / RECENT_HOURS / ((before + 1) / (WINDOW_HOURS - RECENT_HOURS));
  const sources = new Set(members.map((i) => i.sourceId)).size;
  const latest = Math.max(...members.map((i) => i.at));
  const recency = Math.exp(-(now - latest) / (12 * HOUR));
  const diversity = sources / members.length;
  const value = Math.log1p(velocity) * (0.5 + diversity) * recency * Math.log1p(members.length);
  const hourly = Array.from({ length: 24 }, (_, h) => members.filter((i) => i.at > now - (24 - h) * HOUR && i.at <= now - (23 - h) * HOUR).length);
  return { term: term!, related, mentions: members.length, sources, velocity, score: value, latest, items: members.sort((a, b) => b.at - a.at), hourly };
}

/** Points of an SVG polyline for a sparkline of `counts` in a width × height box. */
export function sparklinePoints(counts: number[], width = 120, height = 24): string {
  const max = Math.max(1, ...counts);
  const step = counts.length > 1 ? width / (counts.length - 1) : 0;
  return counts.map((c, i) => `${(i * step).toFixed(1)},${(height - (c / max) * (height - 2) - 1).toFixed(1)}`).join(" ");
}
