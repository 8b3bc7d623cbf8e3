/**
 * A post for one platform: the text, then hashtags the way that platform's readers expect them, all
 * within the platform's limits (lib/domain/platforms.ts). When the whole does not fit, hashtags go
 * first, then the text is shortened at a sentence boundary (or a word boundary with an ellipsis),
 * never in the middle of a word.
 */
import { fitToLimit, LIMITS, measure, type Platform } from "../domain/platforms";

/**
 * How many hashtags each platform's readers expect: Instagram and TikTok use many for discovery;
 * LinkedIn a few at the end; Mastodon relies on them for search (CamelCase for screen readers);
 * X, Bluesky and Facebook posts read best with one or two; Threads takes one topic tag per post.
 */
export const HASHTAG_CONVENTIONS: Record<Platform, { max: number; note: string }> = {
  x: { max: 2, note: "one or two, at the end" },
  bluesky: { max: 2, note: "one or two, at the end" },
  threads: { max: 1, note: "a single topic tag" },
  mastodon: { max: 4, note: "two to four CamelCase tags, at the end, since Mastodon search relies on them" },
  linkedin: { max: 5, note: "three to five, at the end" },
  instagram: { max: 15, note: "eight to fifteen, after the caption" },
  facebook: { max: 2, note: "at most two, or none" },
  youtube: { max: 3, note: "three, at the end of the description" },
  tiktok: { max: 5, note: "three to five" },
};

/** `open source` → `OpenSource`: letters and digits only, CamelCase so screen readers say the words. */
export function toHashtag(raw: string): string | null {
  const parts = raw.replace(/^[#＃]+/, "").split(/[^\p{L}\p{M}\p{N}_]+/u).filter(Boolean);
  const tag = parts.map((p) => (parts.length > 1 ? p[0]!.toUpperCase() + p.slice(1) : p)).join("");
  return /[\p{L}]/u.test(tag) && tag.length <= 60 ? tag : null;
}

export function hashtagsFor(platform: Platform, candidates: string[], text = ""): string[] {
  const present = new Set((text.match(/[#＃][\p{L}\p{M}\p{N}_]+/gu) ?? []).map((t) => t.slice(1).toLowerCase()));
  const out: string[] = [];
  for (const raw of candidates) {
    const tag = toHashtag(raw);
    if (tag && !present.has(tag.toLowerCase()) && !out.some((t) => t.toLowerCase() === tag.toLowerCase())) out.push(tag);
  }
  const max = Math.min(HASHTAG_CONVENTIONS[platform].max, LIMITS[platform].maxHashtags ?? Infinity);
  return out.slice(0, Math.max(0, max - present.size));
}

export type ComposedPost = { text: string; shortened: boolean; overBy: number };

const withTags = (text: string, tags: string[]) => (tags.length ? `${text}\n\n${tags.map((t) => `#${t}`).join(" ")}` : text);

/** The text with its hashtags, fitted to the platform. `overBy` tells how long the model's text was. */
export function composePost(platform: Platform, text: string, hashtags: string[]): ComposedPost {
  const body = text.trim();
  const tags = hashtagsFor(platform, hashtags, body);
  const overBy = Math.max(0, -measure(platform, body).remaining);
  for (let keep = tags.length; keep >= 0; keep--) {
    const candidate = withTags(body, tags.slice(0, keep));
    if (measure(platform, candidate).ok) return { text: candidate, shortened: false, overBy };
  }
  // Even the bare text is too long: shorten it, then give the hashtags back what room is left.
  const fitted = fitToLimit(platform, body);
  for (let keep = tags.length; keep >= 0; keep--) {
    const candidate = withTags(fitted, tags.slice(0, keep));
    if (measure(platform, candidate).ok) return { text: candidate, shortened: true, overBy };
  }
  return { text: fitted, shortened: true, overBy };
}

/** The limit in words a prompt can use: "at most N characters". */
export function lengthRule(platform: Platform): string {
  const limits = LIMITS[platform];
  const unit = limits.counting === "utf8" ? "bytes" : "characters";
  return `at most ${limits.maxLength} ${unit} including hashtags${limits.urlLength ? ` (a link counts as ${limits.urlLength})` : ""}`;
}
